"""A campaign's progress in the words of a report upward ('自查问题 9 个，已整改 5 个，
4 个按计划推进，11月30日前完成'), one line per origin under a line for the whole campaign."""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton

from services.campaigns.progress import Figures, Progress
from services.i18n import Translator


def day_label(day: date, t: Translator, as_of: date | None = None) -> str:
    """'11月30日' / 'November 30' in the year of `as_of`; else with the year ('2026年11月30日')."""
    skeleton = "MMMMd" if as_of is not None and as_of.year == day.year else "yMMMMd"
    return format_skeleton(skeleton, day, locale=t.language)


def origin_line(origin: str, figures: Figures, t: Translator, as_of: date) -> str:
    """'自查问题 9 个，已整改 5 个，4 个按计划推进，11月30日前完成' (and 'N 个已逾期'
    when any are)."""
    head = {
        "assigned": t.n("{count} problem assigned from above", "{count} problems assigned "
                        "from above", figures.total),
        "self": t.n("{count} problem found in self-inspection", "{count} problems found in "
                    "self-inspection", figures.total),
    }.get(origin) or t.n("{count} problem reported by the public", "{count} problems "
                         "reported by the public", figures.total)
    return _joined(head, figures, t, as_of)


def _joined(head: str, figures: Figures, t: Translator, as_of: date) -> str:
    parts = [head,
             t.n("{count} rectified", "{count} rectified", figures.rectified),
             t.n("{count} on schedule", "{count} on schedule", figures.on_schedule)]
    if figures.overdue:
        parts.append(t.n("{count} overdue", "{count} overdue", figures.overdue))
    if figures.due_on is not None:
        due = day_label(figures.due_on, t, as_of)
        parts.append(t("due by {date}", date=due))
    return t(", ").join(parts)


def progress_lines(progress: Progress, t: Translator) -> list[str]:
    """The campaign's title line, then one line per origin."""
    where = progress.scope_name or t("the whole grid")
    due = day_label(progress.due_on, t, progress.as_of)  # (not inside t.n: babel loses it)
    title = t.n("{name} ({scope}): {count} problem, everything due by {date}",
                "{name} ({scope}): {count} problems, everything due by {date}",
                progress.total.total, name=progress.name, scope=where, date=due)
    return [title] + [origin_line(o, f, t, progress.as_of) for o, f in progress.by_origin.items()]
