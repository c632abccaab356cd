"""Problems that come as lists (交办清单 from the ministry or the province, the city's own
self-inspection): a list read from .xlsx or .csv (`read`, its columns in `columns`), each row
checked (`check`) and the whole list imported as cases, or refused row by row (`load`); one
problem entered from the chat goes the same way (`entry`)."""

from services.problems.check import parse_date
from services.problems.columns import HEADERS, Field
from services.problems.entry import campaigns_from, cells_below, enter_problem, sources_in
from services.problems.load import ImportReport, ProblemListRefused, import_problems
from services.problems.read import ListUnreadable, RawRow, read_csv, read_list, read_xlsx

__all__ = [
    "HEADERS",
    "Field",
    "ImportReport",
    "ListUnreadable",
    "ProblemListRefused",
    "RawRow",
    "campaigns_from",
    "cells_below",
    "enter_problem",
    "import_problems",
    "parse_date",
    "read_csv",
    "read_list",
    "read_xlsx",
    "sources_in",
]
