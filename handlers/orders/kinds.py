"""The order conversations a PendingAction row may hold (handlers.pending)."""

from datetime import timedelta

DEMAND_KIND = "order_demand"  # the issuer's own demand is asked for next
ANSWER_KIND = "order_answer"  # the answer's text and photos, until Submit
RETURN_KIND = "order_return"  # why the answer is sent back
KINDS = frozenset({DEMAND_KIND, ANSWER_KIND, RETURN_KIND})
TTL = timedelta(hours=1)
