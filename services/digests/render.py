"""A digest as text in the member's language: HTML whose every tag opens and closes on one line,
so `split_message` may cut it at any line for Telegram."""

from __future__ import annotations

import html

from services.campaigns import progress_lines
from services.cases import state_label
from services.digests.rounds import Digest
from services.figures import Figures
from services.i18n import Translator
from services.settings import Settings


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _category(code: str, t: Translator, settings: Settings) -> str:
    category = settings.category(code)
    return html.escape(category.name(t.language) if category else code, quote=False)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def digest_text(d: Digest, t: Translator, settings: Settings) -> str:
    """The digest as HTML; every tag opens and closes on one line, so any line is a safe cut."""
    f = d.totals
    if d.kind == "summary":
        lines = ["<b>" + t("Fortnightly summary for {scope}, the 15 days to {date}",
                           scope=esc(d.scope), date=d.local_date) + "</b>",
                 t("New: {new} · Open: {open} · Overdue: {overdue} · Closed: {closed}",
                   new=f.new, open=f.open, overdue=f.overdue, closed=f.closed)]
        if d.previous is not None:
            p = d.previous
            lines.append(t("Change since the last summary: new {new}, open {open}, "
                           "overdue {overdue}, closed {closed}",
                           new=_signed(f.new - p.new), open=_signed(f.open - p.open),
                           overdue=_signed(f.overdue - p.overdue),
                           closed=_signed(f.closed - p.closed)))
        else:
            lines.append(t("This is the first summary: no change to compare with yet."))
    else:
        title = (t("Daily digest for {scope}, {date}", scope=esc(d.scope), date=d.local_date)
                 if d.scope else t("Your reports, {date}", date=d.local_date))
        lines = ["<b>" + title + "</b>",
                 t("New (24 h): {new} · Open: {open} · Due today: {due_today} · "
                   "Overdue: {overdue} · Closed (24 h): {closed}",
                   new=f.new, open=f.open, due_today=f.due_today, overdue=f.overdue,
                   closed=f.closed)]
    if d.campaigns:
        lines += ["", "<b>" + t("Campaigns") + "</b>"]
        for campaign in d.campaigns:
            lines += [esc(line) for line in progress_lines(campaign.progress(d.scope), t)]
    if d.patrols:
        missing = sum(1 for p in d.patrols if p.done < 1)
        lines += ["", "<b>" + t.n("Patrols: {count} water source missing its patrol",
                                  "Patrols: {count} water sources missing their patrol",
                                  missing) + "</b>"]
        lines += [("✅ " if p.done else "❌ ") + t.n(
            "{source}: {count} patrol that counts in the last {days} days",
            "{source}: {count} patrols that count in the last {days} days", p.done,
            source=esc(p.source), days=p.days) for p in d.patrols]
    if d.by_state:
        lines += ["", "<b>" + t("Open cases by state") + "</b>"]
        lines += [f"{esc(state_label(state, t))}: {n}" for state, n in d.by_state.items()]
    if d.by_category:
        lines += ["", "<b>" + t("By category") + "</b>"]
        lines += [t("{name}: new {new}, open {open}, overdue {overdue}, closed {closed}",
                    name=_category(code, t, settings), new=c.new, open=c.open,
                    overdue=c.overdue, closed=c.closed) for code, c in d.by_category.items()]
    if d.rows:
        header = t("By county") if d.rows_level == "county" else t("By township")
        lines += ["", "<b>" + header + "</b>"]
        lines += [_row(name, r, t) for name, r in d.rows]
    if d.overdue:
        heading = (t("Red cases, then the overdue, longest overdue first") if d.kind == "summary"
                   else t("Overdue cases, longest overdue first"))
        lines += ["", "<b>" + heading + "</b>"]
        for line in d.overdue:
            owner = esc(line.owner) if line.owner else t("no one assigned")
            if line.late:
                said = t.n("{number} · {cell} · owner: {owner} · {count} day late",
                           "{number} · {cell} · owner: {owner} · {count} days late",
                           line.days_late, number=esc(line.number), cell=esc(line.cell),
                           owner=owner)
            else:
                said = t("{number} · {cell} · owner: {owner} · before its deadline",
                         number=esc(line.number), cell=esc(line.cell), owner=owner)
            lines.append(f"🔴 {said}" if line.red else said)
        shown = sum(1 for line in d.overdue if line.late)
        if f.overdue > shown:
            lines.append(t("… and {count} more", count=f.overdue - shown))
    if d.kind == "summary":
        lines += ["", "<b>" + t.n("Supervision orders still open: {count}",
                                  "Supervision orders still open: {count}", d.open_orders)
                  + "</b>"]
        lines += [t.n("{number} · case {case} · {cell} · {count} day late",
                      "{number} · case {case} · {cell} · {count} days late", o.days_late,
                      number=esc(o.number), case=esc(o.case_number), cell=esc(o.cell))
                  if o.late else
                  t("{number} · case {case} · {cell} · before its deadline",
                    number=esc(o.number), case=esc(o.case_number), cell=esc(o.cell))
                  for o in d.orders]
        lines.append(t("Send /meeting for the meeting's pack (a Word file and a workbook)."))
    if d.anchor_hash:
        code = f"<code>{d.anchor_hash}</code>"
        lines += ["", t("Audit anchor of {day}: {hash}", day=d.anchor_day, hash=code)]
    return "\n".join(lines)


def _row(name: str, r: Figures, t: Translator) -> str:
    return t("{name}: new {new} · open {open} · due today {due_today} · overdue {overdue} · "
             "closed {closed}", name=html.escape(name, quote=False), new=r.new, open=r.open,
             due_today=r.due_today, overdue=r.overdue, closed=r.closed)
