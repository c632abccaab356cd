"use strict";
// The sandbox web chat: personas on the left, a Telegram-like chat with the bot on the right.
// Talks only to /sandbox/api (the control API); no build step, no external resources.

const STRINGS = {
  zh: {
    title: "护水网格 · 沙盒", newPersona: "新建角色", name: "名字", create: "创建",
    pick: "选择一个角色开始聊天", speakingAs: "发言人", sendLocation: "发送位置",
    liveStart: "开始实时位置", liveStop: "停止实时位置", caption: "说明（可选）",
    asFile: "作为文件发送（保留原图）", send: "发送", message: "输入消息…",
    typing: "正在输入…", bot: "机器人", edited: "已编辑", deleted: "消息已删除",
    forwarded: "转发自", forward: "转发", forwardTo: "转发给…", photos: "张照片",
    liveOn: "实时位置共享中：点击地图移动", location: "位置", live: "实时位置",
    gpxReplay: "回放 GPX 轨迹", gpxBad: "GPX 文件中没有带时间的轨迹点", gpxDone: "轨迹回放完毕",
    needPersona: "请先选择一个角色", groupNeedsPeople: "先创建至少一个个人角色，群组成员取自个人角色",
    roles: { volunteer: "志愿者", village_manager: "村网格员", township_manager: "镇网格长",
      county_manager: "县区网格长", city_manager: "市网格长", leader: "联系领导", supervisor: "督查", admin: "管理员",
      group: "群组", manager: "网格员", patroller: "巡查员", other: "其他" },
    empty: "还没有消息。发送 /start 开始。", members: "成员",
    wecom: "企业微信", telegram: "Telegram", wecomNote: "企业微信应用（模拟）：位置以 GCJ-02 发送，卡片按钮点一次",
  },
  en: {
    title: "GridPatrol · Sandbox", newPersona: "New persona", name: "Name", create: "Create",
    pick: "Pick a persona to start chatting", speakingAs: "Speaking as",
    sendLocation: "Send location", liveStart: "Start live location", liveStop: "Stop live location",
    caption: "Caption (optional)", asFile: "Send as file (keeps the original)", send: "Send",
    message: "Message…", typing: "typing…", bot: "bot", edited: "edited",
    deleted: "message deleted", forwarded: "Forwarded from", forward: "Forward",
    forwardTo: "Forward to…", photos: "photos", liveOn: "Sharing live location: click to move",
    location: "Location", live: "Live location", needPersona: "Pick a persona first",
    gpxReplay: "Replay a GPX track", gpxBad: "The GPX file has no track points with times",
    gpxDone: "Track replayed",
    groupNeedsPeople: "Create a personal persona first; group members come from them",
    roles: { volunteer: "Volunteer", village_manager: "Village grid member",
      township_manager: "Township grid chief", county_manager: "County grid chief",
      city_manager: "City grid chief", leader: "Linked leader", supervisor: "Supervisor", admin: "Administrator", group: "Group",
      manager: "Grid member", patroller: "Patroller", other: "Other" },
    empty: "No messages yet. Send /start to begin.", members: "members",
    wecom: "WeCom", telegram: "Telegram", wecomNote: "WeCom app (emulated): places go as GCJ-02, a card's buttons work once",
  },
};
const ROLE_ORDER = ["volunteer", "village_manager", "township_manager", "county_manager",
  "leader", "supervisor", "group"];
const BOUNDS = { latMin: 30.4, latMax: 31.2, lonMin: 119.3, lonMax: 120.5 };
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

const S = {
  lang: localStorage.getItem("sandbox-lang") || "zh",
  state: null, chatId: null, speaker: null, rev: 0, messages: new Map(), keyboard: null,
  pollToken: 0, pendingPhotos: [], live: null,
};
const ICON = {
  pin: '<svg class="ic" viewBox="0 0 24 24"><path fill="currentColor" d="M12 2a7 7 0 0 0-7 7c0 5.2 7 13 7 13s7-7.8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z"/></svg>',
  file: '<svg class="ic" viewBox="0 0 24 24"><path fill="currentColor" d="M6 2h8l6 6v14H6zm7 1.5V9h5.5z"/></svg>',
  group: '<svg class="ic" viewBox="0 0 24 24"><path fill="currentColor" d="M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm7 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM1 20c0-3.3 3.6-6 8-6s8 2.7 8 6v1H1zm17 1v-1c0-1.9-.8-3.6-2.2-4.8C19.8 15.6 23 17.6 23 20v1z"/></svg>',
  person: '<svg class="ic" viewBox="0 0 24 24"><path fill="currentColor" d="M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zm-9 10c0-4.4 4-7.5 9-7.5s9 3.1 9 7.5z"/></svg>',
  mic: '<svg class="ic" viewBox="0 0 24 24"><path fill="currentColor" d="M12 15a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v7a3 3 0 0 0 3 3zm6-3a6 6 0 0 1-12 0H4a8 8 0 0 0 7 7.9V22h2v-2.1a8 8 0 0 0 7-7.9z"/></svg>',
};
const $ = (id) => document.getElementById(id);
const t = (key) => STRINGS[S.lang][key] ?? key;
const roleName = (role) => STRINGS[S.lang].roles[role] || role;

async function api(path, options = {}) {
  const init = { ...options };
  if (options.json !== undefined) {
    init.method = init.method || "POST";
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(options.json);
  }
  const response = await fetch("/sandbox/api" + path, init);
  let body;
  try { body = await response.json(); }  // a proxy's or aiohttp's own error page is not JSON
  catch (err) { throw new Error(`${response.status} ${response.statusText}`); }
  if (!body.ok) throw new Error(body.error || response.statusText);
  return body.result;
}

function applyLanguage() {
  document.documentElement.lang = S.lang === "zh" ? "zh-CN" : "en";
  $("lang").textContent = S.lang === "zh" ? "EN" : "中文";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
  $("np-role").innerHTML = ROLE_ORDER.map((r) => `<option value="${r}">${roleName(r)}</option>`).join("");
  if (S.state) { renderPersonas(); renderHeader(); renderMessages(); }
}

function colorFor(id) { return COLORS[Math.abs(Number(id)) % COLORS.length]; }
function initials(name) { return (name || "?").trim().slice(0, 1).toUpperCase(); }
function esc(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

// ----- personas -----
function personaChats() {
  const list = S.state.personas.map((p) => ({ ...p, chat: S.state.chats.find((c) => c.id === p.chat_id) }));
  return list.filter((p) => p.chat);
}

function channelTag(p) {
  return p.channel === "wecom" ? `<span class="channel wecom">${esc(t("wecom"))}</span> ` : "";
}

function renderPersonas() {
  const box = $("personas");
  box.innerHTML = "";
  for (const p of personaChats()) {
    const row = document.createElement("div");
    row.className = "persona" + (p.chat_id === S.chatId ? " active" : "");
    row.dataset.chatId = p.chat_id;
    const isGroup = p.role === "group";
    row.innerHTML = `<div class="avatar" style="background:${colorFor(p.chat_id)}">${isGroup ? ICON.group : esc(initials(p.label))}</div>
      <div class="who"><div class="name">${esc(p.label)}</div>
      <div class="role">${channelTag(p)}${esc(roleName(p.role))}${isGroup ? " · " + p.chat.members.length + " " + t("members") : ""}</div></div>`;
    row.onclick = () => openChat(p.chat_id);
    box.appendChild(row);
  }
}

async function refreshState() {
  S.state = await api("/state");
  renderPersonas();
}

async function createPersona(event) {
  event.preventDefault();
  const name = $("np-name").value.trim();
  const role = $("np-role").value;
  if (!name) return;
  if (role === "group") {
    const people = S.state.personas.filter((p) => p.role !== "group").map((p) => p.user_id);
    if (!people.length) { toast(t("groupNeedsPeople")); return; }
    const first = S.speaker && people.includes(S.speaker) ? S.speaker : people[0];
    const members = [first, ...people.filter((id) => id !== first)];
    const chat = await api("/groups", { json: { title: name, member_ids: members } });
    await refreshState();
    await openChat(chat.id);
  } else {
    const user = await api("/users", { json: { first_name: name, role, language_code: $("np-lang").value } });
    await refreshState();
    await openChat(user.id);
  }
  $("np-name").value = "";
}

function currentPersona() { return S.state.personas.find((p) => p.chat_id === S.chatId); }
function currentChat() { return S.state.chats.find((c) => c.id === S.chatId); }
function userName(id) { const u = S.state.users.find((x) => x.id === id); return u ? u.first_name : String(id); }

function renderHeader() {
  const p = currentPersona();
  const speakerBox = $("speaker-box");
  if (!p) { $("chat-name").textContent = t("pick"); speakerBox.classList.add("hidden"); return; }
  const bot = S.state.bot;
  $("chat-name").textContent = p.channel === "wecom" ? `${p.label} ⇄ ${bot.first_name} (${t("wecom")})` : `${p.label} ⇄ ${bot.first_name} (@${bot.username})`;
  $("chat-avatar").innerHTML = p.role === "group" ? ICON.group : esc(initials(p.label));
  $("chat-avatar").style.background = colorFor(p.chat_id);
  const chat = currentChat();
  if (chat && chat.type !== "private") {
    speakerBox.classList.remove("hidden");
    $("speaker").innerHTML = chat.members.map((id) => `<option value="${id}" ${id === S.speaker ? "selected" : ""}>${esc(userName(id))}</option>`).join("");
  } else {
    speakerBox.classList.add("hidden");
  }
  $("chat-status").textContent = p.channel === "wecom" ? `${t("wecom")} · ${roleName(p.role)} · ${t("wecomNote")}` : roleName(p.role);
}

async function openChat(chatId) {
  S.chatId = chatId;
  const p = currentPersona();
  S.speaker = p ? p.user_id : null;
  S.rev = 0; S.messages = new Map(); S.keyboard = null; S.live = null;
  $("live-stop").classList.add("hidden"); $("picker-live").classList.add("hidden"); $("live-note").textContent = "";
  renderPersonas(); renderHeader(); renderMessages(); renderReplyKeyboard();
  poll(++S.pollToken, true);
  $("text").focus();
}

// ----- receiving -----
// The first answer after opening a chat is its history: its messages are shown as they are,
// and the alerts, toasts and "typing" it lists happened before and are not played again.
async function poll(token, first) {
  let history = first;
  while (token === S.pollToken) {
    try {
      const wait = first ? 0 : 25;
      first = false;
      const ev = await api(`/events?chat_id=${S.chatId}&since=${S.rev}&wait=${wait}`);
      if (token !== S.pollToken) return;
      absorb(ev, history);
      history = false;
    } catch (err) {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function absorb(ev, history) {
  let changed = false;
  for (const m of ev.messages) {
    if (m.deleted) S.messages.delete(m.message_id); else S.messages.set(m.message_id, m);
    changed = true;
  }
  for (const n of history ? [] : ev.notices) {
    if (n.kind === "callback_answer" && n.text) {
      if (n.show_alert) alert(n.text); else toast(n.text);
    } else if (n.kind === "chat_action") {
      $("chat-status").textContent = `${S.state.bot.first_name} ${t("typing")}`;
      setTimeout(renderHeader, 2500);
    }
  }
  S.rev = ev.rev;
  if (JSON.stringify(ev.keyboard) !== JSON.stringify(S.keyboard)) { S.keyboard = ev.keyboard; renderReplyKeyboard(); }
  if (changed) renderMessages();
}

// Text + entities (UTF-16 offsets, as Telegram sends them) -> HTML.
function formatText(text, entities) {
  if (!entities || !entities.length) return esc(text);
  const opens = new Map(), closes = new Map();
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  for (const e of sorted) {
    (opens.get(e.offset) || opens.set(e.offset, []).get(e.offset)).push(e);
    const end = e.offset + e.length;
    (closes.get(end) || closes.set(end, []).get(end)).unshift(e);
  }
  const tag = (e, open) => {
    const map = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
      blockquote: "blockquote", expandable_blockquote: "blockquote" };
    if (e.type === "text_link") {
      const safe = /^(https?|tg):/i.test(e.url || "");  // never a javascript: link
      return safe ? (open ? `<a href="${esc(e.url)}" target="_blank" rel="noopener">` : "</a>") : "";
    }
    if (e.type === "spoiler") return open ? '<span class="spoiler">' : "</span>";
    if (e.type === "bot_command") return open ? '<a class="cmd" href="#">' : "</a>";
    if (e.type === "url") {
      const url = text.slice(e.offset, e.offset + e.length);
      return open ? `<a href="${esc(url)}" target="_blank" rel="noopener">` : "</a>";
    }
    const name = map[e.type];
    return name ? (open ? `<${name}>` : `</${name}>`) : "";
  };
  let out = "";
  for (let i = 0; i <= text.length; i++) {
    for (const e of closes.get(i) || []) out += tag(e, false);
    for (const e of opens.get(i) || []) out += tag(e, true);
    if (i < text.length) out += esc(text[i]);
  }
  return out;
}

// In the bot's time zone (config locale.timezone), like the cards, whatever the browser's is.
function timeOf(m) {
  const d = new Date(m.date * 1000);
  const zone = (S.state && S.state.timezone) || undefined;
  return d.toLocaleTimeString(S.lang === "zh" ? "zh-CN" : "en-GB",
    { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone });
}

function renderBody(m) {
  let html = "";
  if (m.forward_origin) {
    const o = m.forward_origin;
    const from = o.sender_user ? o.sender_user.first_name : (o.sender_chat ? o.sender_chat.title : "?");
    html += `<div class="fwd">${t("forwarded")} ${esc(from)}</div>`;
  }
  if (m.reply_to_message) {
    const r = m.reply_to_message;
    html += `<div class="quote">${esc((r.text || r.caption || "…").slice(0, 80))}</div>`;
  }
  if (m.photo) {
    const big = m.photo[m.photo.length - 1];
    html += `<img src="/sandbox/api/files/${encodeURIComponent(big.file_id)}" alt="photo">`;
  }
  if (m.document) {
    const d = m.document;
    const isImage = (d.mime_type || "").startsWith("image/");
    if (isImage) html += `<img src="/sandbox/api/files/${encodeURIComponent(d.file_id)}" alt="document">`;
    html += `<div class="file">${ICON.file} <a href="/sandbox/api/files/${encodeURIComponent(d.file_id)}" download="${esc(d.file_name || "file")}">${esc(d.file_name || "file")}</a> <span class="note">${Math.round((d.file_size || 0) / 1024)} KB</span></div>`;
  }
  if (m.location) {
    const l = m.location;
    const live = l.live_period ? ` · ${t("live")}` : "";
    html += `<span class="loc">${ICON.pin} ${t("location")}${live}<br>${l.latitude.toFixed(5)}, ${l.longitude.toFixed(5)}</span>`;
  }
  if (m.contact) html += `<div class="file">${ICON.person} ${esc(m.contact.first_name)} ${esc(m.contact.phone_number)}</div>`;
  if (m.sticker) html += `<div class="sticker">${esc(m.sticker.emoji || ":)")}</div>`;
  if (m.voice) html += `<div class="file">${ICON.mic} ${m.voice.duration}s</div>`;
  if (m.new_chat_members) html += `<i>+ ${m.new_chat_members.map((u) => esc(u.first_name)).join(", ")}</i>`;
  if (m.text !== undefined) html += `<div class="text">${formatText(m.text, m.entities)}</div>`;
  if (m.caption) html += `<div class="text">${formatText(m.caption, m.caption_entities)}</div>`;
  return html;
}

function renderMessages() {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  box.innerHTML = "";
  if (!S.chatId) return;
  const list = [...S.messages.values()].sort((a, b) => a.message_id - b.message_id);
  if (!list.length) { box.innerHTML = `<div class="empty">${t("empty")}</div>`; return; }
  const chat = currentChat();
  // an album (messages sharing media_group_id, one after another) shows as one bubble
  const groups = [];
  for (const m of list) {
    const last = groups[groups.length - 1];
    if (m.media_group_id && last && last[0].media_group_id === m.media_group_id) last.push(m);
    else groups.push([m]);
  }
  for (const album of groups) {
    const m = album[0];
    const mine = !m.from_bot && (!chat || chat.type === "private" || (m.from && m.from.id === speaker()));
    const el = document.createElement("div");
    el.className = "msg" + (mine ? " mine" : "") + (m.deleted ? " deleted" : "");
    el.dataset.messageId = m.message_id;
    let inner = "";
    if (chat && chat.type !== "private" && m.from) inner += `<div class="sender">${esc(m.from.first_name)}</div>`;
    if (album.length > 1) {
      inner += `<div class="album">${album.map((a) => renderBody({ ...a, caption: undefined })).join("")}</div>`;
      const captioned = album.find((a) => a.caption);
      if (captioned) inner += `<div class="text">${formatText(captioned.caption, captioned.caption_entities)}</div>`;
    } else {
      inner += m.deleted ? `<div class="text">${t("deleted")}</div>` : renderBody(m);
    }
    const edited = m.edit_date ? `${t("edited")} · ` : "";
    inner += `<div class="meta">${edited}${timeOf(m)}</div>`;
    el.innerHTML = `<div class="bubble">${inner}</div><div class="actions"><button title="${t("forward")}" class="fwd-btn">↪</button></div>`;
    el.querySelector(".fwd-btn").onclick = (ev) => showForwardMenu(ev, m);
    const markup = m.reply_markup && m.reply_markup.inline_keyboard;
    if (markup && !m.deleted) {
      const kb = document.createElement("div");
      kb.className = "keyboard";
      for (const row of markup) {
        const r = document.createElement("div");
        r.className = "krow";
        for (const b of row) {
          const btn = document.createElement("button");
          btn.textContent = b.text;
          btn.className = "inline-button";
          if (b.url) btn.onclick = () => { if (/^(https?|tg):/i.test(b.url)) window.open(b.url, "_blank", "noopener"); };
          else if (b.callback_data !== undefined) btn.onclick = () => pressInline(m, b.callback_data);
          r.appendChild(btn);
        }
        kb.appendChild(r);
      }
      el.appendChild(kb);
    }
    box.appendChild(el);
  }
  if (nearBottom || S.scrollNext) {
    const stick = () => { box.scrollTop = box.scrollHeight; };
    stick();
    box.querySelectorAll("img").forEach((img) => { if (!img.complete) img.addEventListener("load", stick, { once: true }); });
    S.scrollNext = false;
  }
}

function renderReplyKeyboard() {
  const box = $("reply-keyboard");
  const kb = S.keyboard && S.keyboard.keyboard;
  $("text").placeholder = (S.keyboard && S.keyboard.input_field_placeholder) || t("message");
  if (!kb) { box.classList.add("hidden"); box.innerHTML = ""; return; }
  box.innerHTML = "";
  for (const row of kb) {
    const r = document.createElement("div");
    r.className = "krow";
    for (const raw of row) {
      const b = typeof raw === "string" ? { text: raw } : raw;
      const btn = document.createElement("button");
      btn.innerHTML = (b.request_location ? ICON.pin + " " : b.request_contact ? ICON.person + " " : "") + esc(b.text);
      btn.className = "reply-button";
      btn.onclick = () => pressReply(b);
      r.appendChild(btn);
    }
    box.appendChild(r);
  }
  box.classList.remove("hidden");
}

// ----- sending -----
function requireChat() { if (!S.chatId) { toast(t("needPersona")); return false; } return true; }
function speaker() { return Number($("speaker-box").classList.contains("hidden") ? S.speaker : $("speaker").value || S.speaker); }

async function send(payload) {
  if (!requireChat()) return null;
  S.scrollNext = true;
  try {
    return await api(`/chats/${S.chatId}/send`, { json: { user_id: speaker(), ...payload } });
  } catch (err) { toast(err.message); return null; }
}

async function sendText(event) {
  event.preventDefault();
  const text = $("text").value;
  if (!text.trim()) return;
  $("text").value = "";
  await send({ kind: "text", text });
}

async function pressInline(m, data) {
  try { await api("/press", { json: { user_id: speaker(), chat_id: S.chatId, message_id: m.message_id, callback_data: data } }); }
  catch (err) { toast(err.message); }
}

async function pressReply(b) {
  if (b.request_location) { togglePanel("picker-panel", true); return; }
  if (b.request_contact) { await send({ kind: "contact", phone_number: "+8613800138000" }); }
  else await send({ kind: "text", text: b.text });
}

function togglePanel(id, show) {
  for (const other of ["picker-panel", "photo-panel"]) if (other !== id) $(other).classList.add("hidden");
  $(id).classList.toggle("hidden", show === undefined ? undefined : !show);
}

function pickerPoint(event) {
  const rect = $("picker").getBoundingClientRect();
  const x = (event.clientX - rect.left) / rect.width, y = (event.clientY - rect.top) / rect.height;
  return {
    lat: +(BOUNDS.latMax - y * (BOUNDS.latMax - BOUNDS.latMin)).toFixed(5),
    lon: +(BOUNDS.lonMin + x * (BOUNDS.lonMax - BOUNDS.lonMin)).toFixed(5),
  };
}

function placeDot(id, lat, lon) {
  const dot = $(id);
  dot.style.left = ((lon - BOUNDS.lonMin) / (BOUNDS.lonMax - BOUNDS.lonMin) * 100) + "%";
  dot.style.top = ((BOUNDS.latMax - lat) / (BOUNDS.latMax - BOUNDS.latMin) * 100) + "%";
  dot.classList.remove("hidden");
}

async function onPick(event) {
  const p = pickerPoint(event);
  $("lat").value = p.lat; $("lon").value = p.lon;
  placeDot("picker-dot", p.lat, p.lon);
  if (S.live) {
    await send({ kind: "live", message_id: S.live, latitude: p.lat, longitude: p.lon });
    placeDot("picker-live", p.lat, p.lon);
  }
}

function coords() {
  const lat = parseFloat($("lat").value), lon = parseFloat($("lon").value);
  if (Number.isNaN(lat) || Number.isNaN(lon)) { toast("lat / lon?"); return null; }
  return { latitude: lat, longitude: lon };
}

async function sendLocation() {
  const c = coords();
  if (!c) return;
  await send({ kind: "location", ...c });
  togglePanel("picker-panel", false);
}

async function startLive() {
  const c = coords();
  if (!c) return;
  const sent = await send({ kind: "location", live_period: 3600, ...c });
  if (!sent) return;
  S.live = sent.message_id;
  placeDot("picker-live", c.latitude, c.longitude);
  $("live-stop").classList.remove("hidden");
  $("live-note").textContent = t("liveOn");
}

async function stopLive() {
  if (!S.live) return;
  const c = coords() || {};
  await send({ kind: "live", message_id: S.live, stop: true, ...c });
  S.live = null;
  $("live-stop").classList.add("hidden"); $("picker-live").classList.add("hidden");
  $("live-note").textContent = "";
}

// A GPX file replayed as a live location: the first point starts it, each later one moves it
// (with the track's own time, so a patrol's minutes are the track's), 20 points a second, and
// the last one stops it.
function gpxPoints(xml) {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  return [...doc.getElementsByTagName("trkpt")].map((p) => {
    const time = p.getElementsByTagName("time")[0];
    return { latitude: parseFloat(p.getAttribute("lat")), longitude: parseFloat(p.getAttribute("lon")),
      at: time ? Math.floor(Date.parse(time.textContent) / 1000) : NaN };
  }).filter((p) => !Number.isNaN(p.latitude) && !Number.isNaN(p.longitude) && !Number.isNaN(p.at));
}

async function replayGpx() {
  const file = $("gpx-file").files[0];
  $("gpx-file").value = "";
  if (!file || !requireChat()) return;
  const points = gpxPoints(await file.text());
  if (points.length < 2) { toast(t("gpxBad")); return; }
  const first = await send({ kind: "location", live_period: 86400, accuracy: 8, ...points[0] });
  if (!first) return;
  S.live = first.message_id;
  $("live-stop").classList.remove("hidden");
  for (let i = 1; i < points.length && S.live === first.message_id; i++) {
    const p = points[i];
    await send({ kind: "live", message_id: first.message_id, accuracy: 8,
      stop: i === points.length - 1, ...p });
    placeDot("picker-live", p.latitude, p.longitude);
    $("gpx-note").textContent = `${i + 1} / ${points.length}`;
    await new Promise((done) => setTimeout(done, 50));
  }
  if (S.live === first.message_id) {
    S.live = null;
    $("live-stop").classList.add("hidden"); $("picker-live").classList.add("hidden");
  }
  $("gpx-note").textContent = t("gpxDone");
}

function choosePhotos() {
  if (!requireChat()) return;
  $("file").click();
}

function photosChosen() {
  S.pendingPhotos = [...$("file").files];
  $("file").value = "";
  if (!S.pendingPhotos.length) return;
  $("photo-list").textContent = `${S.pendingPhotos.length} ${t("photos")}: ` + S.pendingPhotos.map((f) => f.name).join(", ");
  togglePanel("photo-panel", true);
}

async function sendPhotos() {
  if (!S.pendingPhotos.length || !requireChat()) return;
  const form = new FormData();
  form.append("user_id", String(speaker()));
  form.append("as_file", $("as-file").checked ? "1" : "0");
  form.append("caption", $("caption").value);
  for (const f of S.pendingPhotos) form.append("photo", f, f.name);
  S.scrollNext = true;
  try { await api(`/chats/${S.chatId}/photos`, { method: "POST", body: form }); }
  catch (err) { toast(err.message); }
  S.pendingPhotos = []; $("caption").value = "";
  togglePanel("photo-panel", false);
}

function showForwardMenu(event, m) {
  const menu = $("forward-menu");
  const targets = personaChats();
  menu.innerHTML = `<div class="note" style="cursor:default">${t("forwardTo")}</div>` +
    targets.map((p) => `<div data-chat="${p.chat_id}" data-user="${p.user_id}">${esc(p.label)}</div>`).join("");
  menu.style.left = Math.min(event.clientX, window.innerWidth - 200) + "px";
  menu.style.top = Math.min(event.clientY, window.innerHeight - 40 * (targets.length + 1)) + "px";
  menu.classList.remove("hidden");
  menu.querySelectorAll("div[data-chat]").forEach((el) => {
    el.onclick = async () => {
      menu.classList.add("hidden");
      const to = Number(el.dataset.chat);
      S.scrollNext = true;
      try {
        await api("/forward", { json: { user_id: Number(el.dataset.user), from_chat_id: S.chatId, message_id: m.message_id, to_chat_id: to } });
        if (to !== S.chatId) await openChat(to);
      } catch (err) { toast(err.message); }
    };
  });
  event.stopPropagation();
}

let toastTimer = null;
function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.classList.remove("hidden");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.add("hidden"), 2500);
}

function init() {
  applyLanguage();
  $("lang").onclick = () => { S.lang = S.lang === "zh" ? "en" : "zh"; localStorage.setItem("sandbox-lang", S.lang); applyLanguage(); };
  $("new-persona").onsubmit = createPersona;
  $("composer").onsubmit = sendText;
  $("attach").onclick = choosePhotos;
  $("file").onchange = photosChosen;
  $("send-photos").onclick = sendPhotos;
  $("locate").onclick = () => { if (requireChat()) togglePanel("picker-panel"); };
  $("picker").onclick = onPick;
  $("send-location").onclick = sendLocation;
  $("live-start").onclick = startLive;
  $("live-stop").onclick = stopLive;
  $("gpx-replay").onclick = () => { if (requireChat()) $("gpx-file").click(); };
  $("gpx-file").onchange = replayGpx;
  $("speaker").onchange = () => { S.speaker = Number($("speaker").value); renderMessages(); };
  document.addEventListener("click", () => $("forward-menu").classList.add("hidden"));
  $("messages").addEventListener("click", (event) => {
    const cmd = event.target.closest("a.cmd");
    if (!cmd) return;
    event.preventDefault();
    send({ kind: "text", text: cmd.textContent });
  });
  refreshState().then(() => {
    const wanted = Number(new URLSearchParams(location.search).get("chat"));
    if (wanted && S.state.chats.some((c) => c.id === wanted)) openChat(wanted);
  });
  setInterval(() => { refreshState().then(renderHeader).catch(() => {}); }, 5000);
}

init();
