"""The order of dispatch, in one place: PTB offers an update to its handler groups in ascending
order, the first match of each group handles it, and a group may stop the rest
(ApplicationHandlerStop). Group 0 holds the handlers of bot/telegram/wiring.py's MODULES."""

CASE_LOG = -1000  # the case an update is about, bound for the logs (bot/telegram/app.py)
THROTTLE = -100  # the flood guard: a flood costs nobody else (handlers/throttle.py)
GATE = -10  # the registration gate before every private command (bot/telegram/wiring.py)
WARM = -5  # which conversation a person is in, learnt before any check (handlers/engine.py)
MAIN = 0  # every module's handlers, in MODULES order
PRIVATE_STATUS = 1  # a private chat's status, after handlers.groups saw the group chats'
