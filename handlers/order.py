"""The order of dispatch, in one place: PTB offers an update to its handler groups in ascending
order, the first match of each group handles it, and a group may stop the rest
(ApplicationHandlerStop). Group 0 holds the handlers of bot/telegram/wiring.py's MODULES."""

CASE_LOG = -1000  # the case an update is about, bound for the logs (bot/telegram/app.py)
THROTTLE = -100  # the flood guard: a flood costs nobody else (handlers/throttle.py)
GATE = -10  # the registration gate before every private command (bot/telegram/wiring.py)
PENDING_WARM = -6  # who has a pending case action, cached before it is asked (handlers/pending.py)
REPORT_WARM = -5  # who has an open draft, cached before the report claims (handlers/report/)
REASON = -1  # the extension's reason, before the report conversation sees the text
MAIN = 0  # every module's handlers, in MODULES order
PRIVATE_STATUS = 1  # a private chat's status, after handlers.groups saw the group chats'
