"""What a patroller is shown when their patrol ends: its time, length, checkpoints, what was
left out, and the verdict with its reason."""

from __future__ import annotations

from handlers.words import escape
from models import Checkpoint, Patrol
from services.i18n import N_, Translator
from services.patrols import Judgement, Verdict

COUNTS = N_("✅ This patrol counts.")
SHORT_TIME = N_("❌ Too short: {minutes} min, and the rule asks for {need} min.")
SHORT_DISTANCE = N_("❌ Too short: {km} km, and the rule asks for {need} km.")
FEW_CHECKPOINTS = N_("❌ Too few checkpoints: {count}, and the rule asks for {need}.")
ENDED = N_("Patrol of {source} ended: {minutes} min, {km} km.")


def _km(value: float) -> str:
    return f"{value:.2f}"


def verdict_line(judgement: Judgement, t: Translator) -> str:
    if judgement.verdict == Verdict.COUNTS:
        return t(COUNTS)
    if judgement.reason == "time":
        return t(SHORT_TIME, minutes=f"{judgement.minutes:.0f}",
                 need=f"{judgement.rule.min_minutes:g}")
    if judgement.reason == "distance":
        return t(SHORT_DISTANCE, km=_km(judgement.km), need=f"{judgement.rule.min_km:g}")
    return t(FEW_CHECKPOINTS, count=judgement.checkpoints, need=judgement.rule.min_checkpoints)


def summary(patrol: Patrol, judgement: Judgement, source: str, checkpoints: list[Checkpoint],
            t: Translator) -> str:
    lines = [t(ENDED, source=escape(source), minutes=f"{judgement.minutes:.0f}",
               km=_km(judgement.km))]
    if checkpoints:
        names = {c.code: c.name for c in checkpoints}
        passed = "、".join(escape(names.get(code, code)) for code in patrol.passed)
        lines.append(t.n("{count} of {total} checkpoint passed", "{count} of {total} "
                         "checkpoints passed", len(patrol.passed), total=len(checkpoints))
                     + (f": {passed}" if passed else ""))
    if patrol.flagged:
        lines.append(t.n("{count} point left out of the distance (a jump or too inaccurate).",
                         "{count} points left out of the distance (jumps or too inaccurate).",
                         patrol.flagged))
    if patrol.gaps:
        lines.append(t.n("{count} gap in the track.", "{count} gaps in the track.",
                         patrol.gaps))
    lines.append(verdict_line(judgement, t))
    return "\n".join(lines)
