"""The local sandbox: emulators of the chat platforms (telegram/) and the web chat (web/), served
on 127.0.0.1 with the real bot pointed at them, so gridpatrol runs without a token.

The bot reaches it only through `run_sandbox` (`gridpatrol sandbox`, looked up by name so that a
deployment without this package still runs); tests also start and stop it in process.
"""

from sandbox.runner import RunningSandbox, bot_settings, run_sandbox, start_sandbox, stop_sandbox
from sandbox.server import SandboxServer

__all__ = [
    "RunningSandbox",
    "SandboxServer",
    "bot_settings",
    "run_sandbox",
    "start_sandbox",
    "stop_sandbox",
]
