"""Open311 GeoReport v2: the answers hold the spec's fields (JSON and XML); a request posted with
a client's key becomes a case of the configured origin, routed by its point, whose village
manager is told in the chat; a bad key, a place outside every cell, a missing field and an
oversized body each get the spec's error list with its status, and write nothing."""

from __future__ import annotations

import hashlib
import io
from typing import Any
from xml.etree import ElementTree as ET

from PIL import Image
from sqlalchemy import select

from models import Case, CaseSource, GridCell, Outbox, Photo, PhotoKind, Role, utcnow
from models.db import SessionFactory
from services.grid import GridIndexHolder, import_grid
from services.open311 import revoke_key
from services.photos import BlobKind
from services.photos.stores import photo_store
from services.settings import Settings
from tests.support import images
from tests.support.cases import send_outbox
from tests.support.harness import TelegramHarness
from tests.support.ledger import WUXING_VILLAGE, with_role
from tests.support.open311 import counts, new_key, open311_client, point_in
from tests.support.report_world import add_manager

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type",
                  "keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description",
                    "order", "description", "values"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"}


async def _grid(sessions: SessionFactory, collection: dict[str, Any]) -> GridIndexHolder:
    async with sessions() as session:
        await import_grid(session, collection)
        await session.commit()
        grid = GridIndexHolder()
        await grid.reload(session)
    return grid


def _errors(body: Any, status: int) -> str:
    assert isinstance(body, list) and len(body) == 1, body
    assert set(body[0]) == {"code", "description"} and body[0]["code"] == status
    return str(body[0]["description"])


async def test_services_and_their_attributes_hold_the_specs_fields_in_json_and_xml(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    grid = await _grid(session_factory, demo_grid_collection)
    async with open311_client(settings, session_factory, grid) as client:
        listed = await (await client.get("/services.json")).json()
        assert [s["service_code"] for s in listed] == [c.code for c in settings.categories]
        assert all(set(s) == SERVICE_FIELDS and s["type"] == "realtime" for s in listed)
        garbage = next(s for s in listed if s["service_code"] == "garbage")
        assert garbage["service_name"] == settings.category("garbage").zh_CN  # type: ignore[union-attr]

        definition = await (await client.get("/services/garbage.json")).json()
        assert definition["service_code"] == "garbage"
        (attribute,) = definition["attributes"]
        assert set(attribute) == ATTRIBUTE_FIELDS and attribute["datatype"] == "singlevaluelist"
        assert [v["key"] for v in attribute["values"]] == ["low", "medium", "high", "urgent"]

        xml = ET.fromstring(await (await client.get("/services.xml")).read())
        assert xml.tag == "services" and len(xml.findall("service")) == len(listed)
        assert xml.find("service/metadata").text == "true"  # type: ignore[union-attr]

        unknown = await client.get("/services/nothing.json")
        assert unknown.status == 404 and "nothing" in _errors(await unknown.json(), 404)
        xml_error = await client.get("/services/nothing.xml")
        root = ET.fromstring(await xml_error.read())
        assert xml_error.status == 404 and root.tag == "errors"
        assert root.find("error/code").text == "404"  # type: ignore[union-attr]
        found = await (await client.get("/discovery.json")).json()
        (endpoint,) = found["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
        xml = ET.fromstring(await (await client.get("/discovery.xml")).read())
        assert len(xml.findall("endpoints/endpoint/formats/format")) == 2
        other = await client.get("/services.json", params={"jurisdiction_id": "elsewhere.gov"})
        assert other.status == 404


async def test_a_posted_request_is_a_case_of_the_village_and_its_manager_is_queued_a_notice(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    grid = await _grid(session_factory, demo_grid_collection)
    manager_id = await add_manager(session_factory, 9001, "Village manager", WUXING_VILLAGE)
    key = await new_key(session_factory)
    lat, lon = await point_in(session_factory, WUXING_VILLAGE)
    async with open311_client(settings, session_factory, grid, key) as client:
        refused = await client.get("/requests.json", params={"api_key": ""})
        assert refused.status == 403 and "api_key" in _errors(await refused.json(), 403)
        posted = await client.post("/requests.json", data={
            "api_key": key, "service_code": "garbage", "lat": str(lat), "long": str(lon),
            "description": "河边堆放生活垃圾", "email": "someone@example.org",
            "first_name": "张", "last_name": "三", "phone": "13800000000"})
        assert posted.status == 200, await posted.text()
        (answer,) = await posted.json()
        assert set(answer) == {"service_request_id", "service_notice", "account_id"}
        number = answer["service_request_id"]

        async with session_factory() as session:
            case = await session.scalar(select(Case).where(Case.number == number))
            assert case is not None
            village = await session.scalar(
                select(GridCell.id).where(GridCell.code == WUXING_VILLAGE))
            assert case.cell_id == village and case.source == CaseSource.PUBLIC
            assert case.reporter_id is None and case.anonymous
            assert case.stage == "accept" and case.due_at is not None
            told = list(await session.scalars(select(Outbox.recipient_id)))
            assert manager_id in told

        (shown,) = await (await client.get(f"/requests/{number}.json")).json()
        assert set(shown) == REQUEST_FIELDS
        assert shown["status"] == "open" and shown["service_code"] == "garbage"
        assert shown["status_notes"] == "已上报，待受理；当前督办环节：受理"
        assert (shown["lat"], shown["long"]) == (lat, lon)
        assert shown["address_id"] == WUXING_VILLAGE and shown["media_url"] is None
        text = await (await client.get(f"/requests/{number}.json")).text()
        for private in ("someone@example.org", "13800000000", "张", "reporter"):
            assert private not in text

        listed = await (await client.get("/requests.json", params={"status": "open"})).json()
        assert [r["service_request_id"] for r in listed] == [number]
        closed = await (await client.get("/requests.json", params={"status": "closed"})).json()
        assert closed == []
        xml = ET.fromstring(await (await client.get("/requests.xml")).read())
        assert xml.tag == "service_requests"
        assert xml.find("request/service_request_id").text == number  # type: ignore[union-attr]

        again = await client.post("/requests.json", data={
            "api_key": key, "service_code": "garbage", "lat": str(lat), "long": str(lon),
            "description": "还在"})
        (repeat,) = await again.json()
        assert repeat["service_request_id"] == number and number in repeat["service_notice"]
        assert (await counts(session_factory))[0] == 1

        missing = await client.get("/requests/HZ-1999-000001.json")
        assert missing.status == 404
        wide = await client.get("/requests.json", params={
            "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"})
        assert wide.status == 400 and "90 days" in _errors(await wide.json(), 400)


async def test_bad_posts_get_the_specs_error_list_and_write_nothing(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    grid = await _grid(session_factory, demo_grid_collection)
    key = await new_key(session_factory)
    lat, lon = await point_in(session_factory, WUXING_VILLAGE)
    good = {"api_key": key, "service_code": "garbage", "lat": str(lat), "long": str(lon),
            "description": "垃圾"}
    before = await counts(session_factory)
    async with open311_client(settings, session_factory, grid) as client:
        for form, status, words in (
            ({**good, "api_key": "not-a-key"}, 403, "api_key"),
            ({k: v for k, v in good.items() if k != "api_key"}, 403, "api_key"),
            ({**good, "lat": "0.5", "long": "0.5"}, 400, "outside every grid cell"),
            ({k: v for k, v in good.items() if k != "service_code"}, 400, "service_code"),
            ({k: v for k, v in good.items() if k != "lat"}, 400, "lat"),
            ({**good, "service_code": "nothing"}, 404, "service_code"),
            ({**good, "attribute[severity]": "dire"}, 400, "severity"),
            ({"api_key": key, "service_code": "garbage", "address_id": "999"}, 400,
             "address_id"),
        ):
            response = await client.post("/requests.json", data=form)
            assert response.status == status, (form, await response.text())
            assert words in _errors(await response.json(), status)
        big = {**good, "description": "垃" * settings.open311.max_body_bytes}
        response = await client.post("/requests.json", data=big)
        assert response.status == 413
        _errors(await response.json(), 413)
        response = await client.post("/requests.xml", data={**good, "api_key": "nope"})
        assert response.status == 403 and ET.fromstring(await response.read()).tag == "errors"
    assert await counts(session_factory) == before


async def test_a_request_may_name_its_village_by_address_id_instead_of_a_point(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    grid = await _grid(session_factory, demo_grid_collection)
    key = await new_key(session_factory)
    async with open311_client(settings, session_factory, grid, key) as client:
        posted = await client.post("/requests.json", data={
            "api_key": key, "service_code": "outfall", "address_id": WUXING_VILLAGE,
            "description": "村口排污"})
        assert posted.status == 200, await posted.text()
        (answer,) = await posted.json()
        (shown,) = await (await client.get(
            f"/requests/{answer['service_request_id']}.json")).json()
    assert shown["address_id"] == WUXING_VILLAGE
    async with session_factory() as session:
        case = await session.scalar(select(Case).where(
            Case.number == answer["service_request_id"]))
        assert case is not None and case.lat is None and case.place_source == "menu"
    place = grid.locate(shown["lat"], shown["long"])  # a point inside the village
    assert place.cell_id == case.cell_id


async def test_a_revoked_key_is_refused(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    grid = await _grid(session_factory, demo_grid_collection)
    key = await new_key(session_factory, "provincial platform")
    async with session_factory() as session:
        assert await revoke_key(session, "provincial platform", utcnow())
        await session.commit()
    lat, lon = await point_in(session_factory, WUXING_VILLAGE)
    async with open311_client(settings, session_factory, grid) as client:
        response = await client.post("/requests.json", data={
            "api_key": key, "service_code": "garbage", "lat": str(lat), "long": str(lon)})
        assert response.status == 403


async def test_the_village_manager_receives_a_posted_request_in_the_chat(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    deps = h.app.bot_data["deps"]
    manager = h.user("Village manager")
    await with_role(h, manager, Role.MANAGER, WUXING_VILLAGE, "zh_CN")
    key = await new_key(deps.sessions)
    lat, lon = await point_in(deps.sessions, WUXING_VILLAGE)
    async with open311_client(deps.settings, deps.sessions, deps.grid) as client:
        response = await client.post("/requests.json", data={
            "api_key": key, "service_code": "garbage", "lat": str(lat), "long": str(lon),
            "description": "12345转来：水库边倾倒建筑垃圾"})
        assert response.status == 200, await response.text()
        (answer,) = await response.json()
    await send_outbox(h)
    text = str(h.last_message(manager).get("text") or h.last_message(manager).get("caption"))
    assert answer["service_request_id"] in text and "倾倒建筑垃圾" in text


async def test_media_url_serves_the_stamped_display_copy_never_the_original_with_exif(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    grid = await _grid(session_factory, demo_grid_collection)
    lat, lon = await point_in(session_factory, WUXING_VILLAGE)
    original = images.jpeg_with_exif(1600, 1200, lat=lat, lon=lon)
    sha = hashlib.sha256(original).hexdigest()
    key = f"originals/{sha[:2]}/{sha}.jpg"
    await photo_store(settings, session_factory).put(key, original, BlobKind.ORIGINAL)
    async with session_factory() as session:
        village = await session.scalar(select(GridCell.id).where(GridCell.code == WUXING_VILLAGE))
        assert village is not None
        case = Case(number="HZ-2026-000777", category="garbage", severity="medium", lat=lat,
                    lon=lon, origin_cell_id=village, cell_id=village, description="垃圾")
        session.add(case)
        await session.flush()
        photo = Photo(case_id=case.id, kind=PhotoKind.REPORT, sha256=sha, stored_path=key,
                      size_bytes=len(original), width=1600, height=1200, mime="image/jpeg",
                      exif_lat=lat, exif_lon=lon, phash="0" * 16)
        session.add(photo)
        await session.commit()
        photo_id = photo.id
    key = await new_key(session_factory)
    async with open311_client(settings, session_factory, grid, key) as client:
        (shown,) = await (await client.get("/requests/HZ-2026-000777.json")).json()
        assert shown["media_url"].endswith(f"/media/{photo_id}.jpg")
        path = shown["media_url"][shown["media_url"].index("/media/"):]
        assert (await client.get(path, params={"api_key": "wrong"})).status == 403
        media = await client.get(path)
        assert media.status == 200 and media.content_type == "image/jpeg"
        assert (await client.get("/media/999999.jpg")).status == 404
    assert media.body != original
    with Image.open(io.BytesIO(media.body)) as copy:
        assert len(copy.getexif()) == 0 and not copy.info.get("exif")
        assert max(copy.size) <= settings.photos.display_max_side
