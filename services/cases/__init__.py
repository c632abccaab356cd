"""A case as it is read and what may be done to it: cards, lists and scopes (`reading`), who
reported it (`reporters`), the rules of who may move it from which state (`rules`), and its
photos as managers see them (`display`, `stamp`). Below `deadlines` and `workflow`, which
change cases."""

from services.cases.display import make_display_copies, remember_sent_ids, stamped_copy_job
from services.cases.reading import (
    CaseCard,
    CaseLine,
    HistoryEntry,
    actions_for,
    can_see,
    case_card,
    case_photos,
    find_case_id,
    fixer_id,
    get_case,
    last_move,
    load_scope,
    my_cases,
    open_cases,
    refusal_of,
)
from services.cases.reporters import reporter_ids, reporter_ids_of, reporters, reporters_of
from services.cases.rules import (
    ACTION_LABELS,
    Action,
    RefusalReason,
    Scope,
    WorkflowRefused,
    chased,
    parse_deadline,
    refusal_for,
    staff_actions,
    state_label,
)
from services.cases.stamp import PhotoTime, case_stamp

__all__ = [
    "ACTION_LABELS",
    "Action",
    "CaseCard",
    "CaseLine",
    "HistoryEntry",
    "PhotoTime",
    "RefusalReason",
    "Scope",
    "WorkflowRefused",
    "actions_for",
    "can_see",
    "case_card",
    "case_photos",
    "case_stamp",
    "chased",
    "find_case_id",
    "fixer_id",
    "get_case",
    "last_move",
    "load_scope",
    "make_display_copies",
    "my_cases",
    "open_cases",
    "parse_deadline",
    "refusal_for",
    "refusal_of",
    "remember_sent_ids",
    "reporter_ids",
    "reporter_ids_of",
    "reporters",
    "reporters_of",
    "staff_actions",
    "stamped_copy_job",
    "state_label",
]
