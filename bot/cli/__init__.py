"""`gridpatrol`, the command line: `main` is the console script; each group of commands (the
database, the grid, invites and members, the schedule run by hand, the ledger) is a module here."""

from bot.cli.main import main
from bot.cli.schedule import cmd_sweep

__all__ = [
    "cmd_sweep",
    "main",
]
