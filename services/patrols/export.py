"""A patrol's track as GPX 1.1 (gpxpy): the counted points as one track segment with their
times, and each point left out (a jump, too inaccurate) as a waypoint named by its flag, so
that whoever checks the patrol sees what was left out and where; and the plain data of its
picture (`services.patrols.picture` draws it)."""

from __future__ import annotations

import gpxpy.gpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Checkpoint, GridCell, Patrol, PatrolPoint, ProtectionZone, WaterSource
from services.patrols.picture import TrackPicture


async def patrol_gpx(session: AsyncSession, patrol: Patrol) -> bytes:
    source = await session.get(WaterSource, patrol.source_id)
    points = (await session.scalars(
        select(PatrolPoint).where(PatrolPoint.patrol_id == patrol.id)
        .order_by(PatrolPoint.at, PatrolPoint.id))).all()
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "gridpatrol"
    track = gpxpy.gpx.GPXTrack(name=f"{source.name if source else ''} #{patrol.id}")
    segment = gpxpy.gpx.GPXTrackSegment()
    for p in points:
        if p.flag is None:
            segment.points.append(gpxpy.gpx.GPXTrackPoint(
                p.lat, p.lon, time=p.at))
        else:
            gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(p.lat, p.lon, time=p.at, name=p.flag))
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1").encode("utf-8")


async def track_picture(session: AsyncSession, patrol: Patrol) -> TrackPicture:
    """What the track's picture shows, as plain data (drawn later, with no session open): the
    counted points, the flagged ones, the source's checkpoints (passed or not), the outline of
    the source's cell and its protection zones."""
    points = (await session.scalars(
        select(PatrolPoint).where(PatrolPoint.patrol_id == patrol.id)
        .order_by(PatrolPoint.at, PatrolPoint.id))).all()
    source = await session.get(WaterSource, patrol.source_id)
    cell = await session.get(GridCell, source.cell_id) if source is not None else None
    zones = list(await session.scalars(
        select(ProtectionZone.boundary_wkt).where(ProtectionZone.source_id == patrol.source_id)
        .order_by(ProtectionZone.grade)))
    passed = set(patrol.passed or [])
    checkpoints = [(c.lat, c.lon, c.code in passed) for c in await session.scalars(
        select(Checkpoint).where(Checkpoint.source_id == patrol.source_id)
        .order_by(Checkpoint.code))]
    return TrackPicture(
        track=[(p.lat, p.lon) for p in points if p.flag is None],
        flagged=[(p.lat, p.lon) for p in points if p.flag is not None],
        checkpoints=checkpoints,
        outlines=([cell.boundary_wkt] if cell is not None else []) + zones)
