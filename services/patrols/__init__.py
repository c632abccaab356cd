"""Patrols (巡库 / 巡河): the track point by point, its distance and flags, the checkpoints
passed, the rules per level and each patrol's verdict, and the sweep's closing of stale ones."""

from services.patrols.due import SourceDue, patrols_due
from services.patrols.export import patrol_gpx, track_picture
from services.patrols.geo import distance_m
from services.patrols.life import (
    ACTIVE,
    EndReason,
    active,
    begin,
    checkpoints_of,
    close_stale,
    end,
    judgement_of,
    last_point,
    level_of,
    link_case,
    minutes_of,
    sources_for,
)
from services.patrols.lists import Listed, recent_patrols
from services.patrols.picture import TrackPicture, draw_track
from services.patrols.reminders import period_of, queue_patrol_reminders
from services.patrols.rules import Judgement, Verdict, judge
from services.patrols.track import Fix, Recorded, record

__all__ = [
    "ACTIVE",
    "EndReason",
    "Fix",
    "Judgement",
    "Listed",
    "Recorded",
    "SourceDue",
    "TrackPicture",
    "Verdict",
    "active",
    "begin",
    "checkpoints_of",
    "close_stale",
    "distance_m",
    "draw_track",
    "end",
    "judge",
    "judgement_of",
    "last_point",
    "level_of",
    "link_case",
    "minutes_of",
    "patrol_gpx",
    "patrols_due",
    "period_of",
    "queue_patrol_reminders",
    "recent_patrols",
    "record",
    "sources_for",
    "track_picture",
]
