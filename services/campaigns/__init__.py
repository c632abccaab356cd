"""Campaigns (专项行动, 整改任务): a named set of cases with one date (`store`), its progress as
offices count it (`progress`), said in a line per origin (`words`) and written as the progress
sheet provinces ask for (`sheet`); the figures of many parts of the grid at once for the
digests and the ledger (`standing`), and reminders as its date nears (`reminders`)."""

from services.campaigns.progress import Figures, Progress, ProgressRow, load_progress, members_of
from services.campaigns.reminders import queue_campaign_reminders, still_open
from services.campaigns.sheet import build_progress_sheet, sheet_name
from services.campaigns.standing import (
    Entries,
    Entry,
    Standing,
    campaign_entries,
    chosen_entries,
    standings,
    standings_of_members,
)
from services.campaigns.store import all_campaigns, campaign_by_name, create_campaign, link_cases
from services.campaigns.words import day_label, origin_line, progress_lines

__all__ = [
    "Entries",
    "Entry",
    "Figures",
    "Progress",
    "ProgressRow",
    "Standing",
    "all_campaigns",
    "build_progress_sheet",
    "campaign_by_name",
    "campaign_entries",
    "chosen_entries",
    "create_campaign",
    "day_label",
    "link_cases",
    "load_progress",
    "members_of",
    "origin_line",
    "progress_lines",
    "queue_campaign_reminders",
    "sheet_name",
    "standings",
    "standings_of_members",
    "still_open",
]
