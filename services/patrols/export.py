"""A patrol's track as GPX 1.1 (gpxpy): the counted points as one track segment with their
times, and each point left out (a jump, too inaccurate) as a waypoint named by its flag, so
that whoever checks the patrol sees what was left out and where."""

from __future__ import annotations

import gpxpy.gpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Patrol, PatrolPoint, WaterSource


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
