"""The Open311 GeoReport v2 server and the case feeds, on open311.listen at open311.port.

    GET  /discovery.json | .xml                 where the endpoint is, its formats
    GET  /services.json | .xml                  the categories
    GET  /services/{code}.json | .xml           one category's attributes
    GET  /requests.json | .xml                  cases (status, service_code, start_date, end_date)
    GET  /requests/{number}.json | .xml         one case
    POST /requests.json | .xml                  a new case (api_key; form-encoded, as the spec)
    GET  /media/{photo}.jpg                     a report photo's display copy (never the original)
    GET  /feeds/cases.geojson | .csv            cases of a scope and period (cell, since, until)

Reading cases (requests, media, feeds) takes a client's api_key unless open311.public_reads;
discovery and services are open to all.

Every failure is the spec's error list (`[{"code": 403, "description": "..."}]`, or `<errors>`)
with that HTTP status; a body past open311.max_body_bytes is refused with 413 unread. One unit
of work per call, committed before the answer; nothing else is written for a refused call.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.open311.formats import FORMATS, answer, split_format
from models import Photo, PhotoKind, utcnow
from models.db import SessionFactory
from services.cases import stamped_copy_job
from services.grid import cell_by_code
from services.open311 import (
    FeedScope,
    Open311Error,
    client_of,
    discovery,
    feed_cases,
    feed_rows,
    file_request,
    find_request,
    find_requests,
    parse_w3c,
    places_of,
    read_post,
    read_query,
    service_definition,
    service_request,
    services,
    to_csv,
    to_geojson,
)
from services.reports import Locator
from services.settings import Settings

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _format_of(request: web.Request) -> str:
    return "xml" if request.path.endswith(".xml") else "json"


@web.middleware
async def spec_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Open311Error, a body too large and an unknown path, all in the spec's error format."""
    try:
        return await handler(request)
    except Open311Error as exc:
        return answer(exc.as_list(), _format_of(request), "errors", exc.code)
    except web.HTTPRequestEntityTooLarge:
        error = Open311Error(413, "the request body is larger than this server accepts")
        return answer(error.as_list(), _format_of(request), "errors", 413)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error = Open311Error(exc.status, exc.reason)
        return answer(error.as_list(), _format_of(request), "errors", exc.status)


class Open311App:
    """The routes over a session factory, the settings and the grid's index."""

    def __init__(self, settings: Settings, sessions: SessionFactory, grid: Locator) -> None:
        self.settings, self.sessions, self.grid = settings, sessions, grid

    def build(self) -> web.Application:
        app = web.Application(client_max_size=self.settings.open311.max_body_bytes,
                              middlewares=[spec_errors])
        for fmt in FORMATS:
            app.router.add_get(f"/discovery.{fmt}", self.get_discovery)
            app.router.add_get(f"/services.{fmt}", self.get_services)
            app.router.add_get(f"/requests.{fmt}", self.get_requests)
            app.router.add_post(f"/requests.{fmt}", self.post_request)
        app.router.add_get("/services/{tail}", self.get_service)
        app.router.add_get("/requests/{tail}", self.get_request)
        app.router.add_get("/media/{photo}.jpg", self.get_media)
        app.router.add_get("/feeds/cases.geojson", self.get_feed)
        app.router.add_get("/feeds/cases.csv", self.get_feed)
        return app

    def _jurisdiction(self, params: Mapping[str, str]) -> None:
        asked = params.get("jurisdiction_id", "").strip()
        if asked and asked != self.settings.open311.jurisdiction_id:
            raise Open311Error(404, f"jurisdiction_id {asked!r} was not found")

    @staticmethod
    def _tail(request: web.Request, what: str) -> tuple[str, str]:
        parts = split_format(request.match_info["tail"])
        if parts is None:
            raise Open311Error(404, f"{what}: ask for .json or .xml")
        return parts

    @staticmethod
    def _media_base(request: web.Request) -> str:
        return str(request.url.origin())

    async def get_discovery(self, request: web.Request) -> web.Response:
        return answer(discovery(self.settings, self._media_base(request)), _format_of(request),
                      "discovery")

    async def get_services(self, request: web.Request) -> web.Response:
        self._jurisdiction(request.query)
        return answer(services(self.settings), _format_of(request), "services")

    async def get_service(self, request: web.Request) -> web.Response:
        code, fmt = self._tail(request, "service_code")
        self._jurisdiction(request.query)
        return answer(service_definition(code, self.settings), fmt, "service_definition")

    async def get_requests(self, request: web.Request) -> web.Response:
        self._jurisdiction(request.query)
        await self._reader(request)
        query = read_query(request.query, utcnow())
        async with self.sessions() as session:
            cases = await find_requests(session, query)
            places = await places_of(session, cases)
        base = self._media_base(request)
        rows = [service_request(c, places, self.settings, base) for c in cases]
        return answer(rows, _format_of(request), "service_requests")

    async def get_request(self, request: web.Request) -> web.Response:
        number, fmt = self._tail(request, "service_request_id")
        self._jurisdiction(request.query)
        await self._reader(request)
        async with self.sessions() as session:
            case = await find_request(session, number)
            places = await places_of(session, [case])
        row = service_request(case, places, self.settings, self._media_base(request))
        return answer([row], fmt, "service_requests")

    async def post_request(self, request: web.Request) -> web.Response:
        length = request.content_length
        if length is not None and length > self.settings.open311.max_body_bytes:
            raise web.HTTPRequestEntityTooLarge(self.settings.open311.max_body_bytes, length)
        form = {key: str(value) for key, value in (await request.post()).items()
                if isinstance(value, str)}
        form.setdefault("api_key", request.query.get("api_key", ""))
        async with self.sessions() as session:
            client = await client_of(session, form.get("api_key"))
            if client is None:
                raise Open311Error(403, "api_key was not provided or is not valid")
            posted = read_post(form, self.settings)
            filed = await file_request(session, posted, client, self.settings, self.grid,
                                       utcnow())
            await session.commit()
        log.info("open311: %s posted %s (%s)", client.name, filed.number,
                 "new" if filed.new else "added to an open case")
        return answer([{"service_request_id": filed.number,
                        "service_notice": filed.service_notice or None,
                        "account_id": None}], _format_of(request), "service_requests")

    async def get_media(self, request: web.Request) -> web.Response:
        """The display copy of a report photo of a case: stamped, no metadata; made now if it is
        not there yet. The original, with its EXIF, is never served."""
        try:
            photo_id = int(request.match_info["photo"])
        except ValueError:
            raise Open311Error(404, "no such media") from None
        await self._reader(request)
        async with self.sessions() as session:
            photo = await session.get(Photo, photo_id)
            if photo is None or photo.case_id is None or photo.kind != PhotoKind.REPORT:
                raise Open311Error(404, "no such media")
            job = await stamped_copy_job(session, photo, self.settings)
        data = await job() if job is not None else None
        if data is None:
            raise Open311Error(404, "no display copy of this media")
        return web.Response(body=data, content_type="image/jpeg")

    async def _feed_scope(self, params: Mapping[str, str]) -> FeedScope:
        tz = ZoneInfo(self.settings.locale.timezone)
        since = day_or_time(params.get("since", ""), "since", tz)
        until = day_or_time(params.get("until", ""), "until", tz)
        code = params.get("cell", "").strip()
        if not code:
            return FeedScope(None, since, until)
        async with self.sessions() as session:
            cell = await cell_by_code(session, code)
        if cell is None:
            raise Open311Error(404, f"cell {code!r} was not found")
        return FeedScope(cell, since, until)

    async def _reader(self, request: web.Request) -> None:
        """Open311Error(403) unless the cases are public or the call carries a live key."""
        if self.settings.open311.public_reads:
            return
        async with self.sessions() as session:
            if await client_of(session, request.query.get("api_key")) is None:
                raise Open311Error(403, "api_key was not provided or is not valid")

    async def get_feed(self, request: web.Request) -> web.Response:
        await self._reader(request)
        scope = await self._feed_scope(request.query)
        async with self.sessions() as session:
            cases, places, sources = await feed_cases(session, scope)
        rows = feed_rows(cases, places, sources, self.settings, self._media_base(request))
        if request.path.endswith(".csv"):
            return web.Response(body=to_csv(rows).encode("utf-8-sig"), content_type="text/csv",
                                charset="utf-8")
        return web.Response(text=json.dumps(to_geojson(rows), ensure_ascii=False),
                            content_type="application/geo+json", charset="utf-8")


def day_or_time(raw: str, key: str, tz: ZoneInfo) -> datetime | None:
    """A date (the start of that local day) or a W3C time; None when empty."""
    raw = raw.strip()
    if not raw:
        return None
    if len(raw) == 10:
        try:
            day = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            raise Open311Error(400, f"{key} is not a date like 2026-12-01") from None
        return datetime.combine(day, time(), tz).astimezone(UTC)
    return parse_w3c(raw, key)


