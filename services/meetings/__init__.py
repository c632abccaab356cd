"""The fortnightly meeting (每半月例会): what it goes over (`load`) and its pack as a Word file
and a workbook (`documents`)."""

from services.meetings.documents import (
    build_meeting_docx,
    build_meeting_xlsx,
    figures_line,
    pack_name,
    title_of,
)
from services.meetings.load import LateCase, MeetingPack, OpenOrder, load_meeting

__all__ = [
    "LateCase",
    "MeetingPack",
    "OpenOrder",
    "build_meeting_docx",
    "build_meeting_xlsx",
    "figures_line",
    "load_meeting",
    "pack_name",
    "title_of",
]
