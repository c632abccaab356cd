"""A report being written: the draft that is the conversation's state (`drafts`), its place
(`place`), and the open cases it may repeat (`duplicates`). Below `cases`, which reads a case's
place from here."""

from services.reports.drafts import (
    DraftError,
    PlaceSource,
    ReportStep,
    check_rate,
    discard_draft,
    draft_photos,
    expire_drafts,
    has_place,
    missing_answers,
)
from services.reports.duplicates import Duplicate, find_duplicates
from services.reports.place import CasePlace, Locator, case_place

__all__ = [
    "CasePlace",
    "DraftError",
    "Duplicate",
    "Locator",
    "PlaceSource",
    "ReportStep",
    "case_place",
    "check_rate",
    "discard_draft",
    "draft_photos",
    "expire_drafts",
    "find_duplicates",
    "has_place",
    "missing_answers",
]
