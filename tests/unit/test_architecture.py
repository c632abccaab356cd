"""The layers, read from the source: what may import what, and no import cycles, counted at the
top of a module and inside functions alike (a function-level import is how a cycle hides).

The rules (README "Architecture"): a chat library is imported only by its channel's adapter
(`bot.telegram`, `bot.wecom`) and the sandbox, so the core (`models`, `services`), every
conversation and notice renderer (`handlers`), the sender, the jobs, the runtime and the
command line are in no chat's terms; `models` and `services` import neither the program
(`handlers`, `bot`) nor the sandbox; `handlers` import neither `bot` nor the sandbox; the sender
(`bot.outbox`) imports no handler, it is given its renderers; the bot reaches the sandbox only
through `sandbox.run_sandbox`, looked up by name, and the emulators (`sandbox.telegram`,
`sandbox.wecom`, `sandbox.web`) know nothing of the bot (only the sandbox's runner starts it);
no two modules import each other, however long the way round.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "services", "models", "sandbox")
# A chat library -> where it may be imported: its channel's adapter, and the sandbox that
# stands in for the platforms.
CHAT_LIBRARIES = {"telegram": ("bot.telegram", "sandbox"), "wechatpy": ("bot.wecom", "sandbox")}


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the distribution by dotted name (migrations are scripts Alembic runs)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            dotted = ".".join(path.relative_to(root).with_suffix("").parts)
            found[dotted.removesuffix(".__init__")] = path
    return found


def imports(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, name) of every absolute import in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield from ((node.lineno, node.module, alias.name) for alias in node.names)


def resolve(known: dict[str, Path], module: str, name: str | None) -> str | None:
    """The module of ours an import loads: `from a import b` is `a.b` when that is a module."""
    for candidate in ([f"{module}.{name}"] if name else []) + [module]:
        parts = candidate.split(".")
        while parts:
            if ".".join(parts) in known:
                return ".".join(parts)
            parts.pop()
    return None


def graph(root: Path = ROOT) -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    """Edges between our modules, and every (module, line, imported) for the layer rules."""
    known = modules(root)
    edges: dict[str, set[str]] = {name: set() for name in known}
    seen: list[tuple[str, int, str]] = []
    for name, path in known.items():
        for line, module, imported in imports(path):
            target = resolve(known, module, imported)
            seen.append((name, line, target or module))  # `from a import b`: a.b, if a module
            if target is None:
                continue
            # Loading `a.b.c` runs `a.b`'s __init__ first, unless the importer is inside `a.b`.
            parts = target.split(".")
            for depth in range(1, len(parts) + 1):
                step = ".".join(parts[:depth])
                if step in known and step != name and not name.startswith(step + "."):
                    edges[name].add(step)
    return edges, seen


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


# (importers, by dotted prefix; what they may not import, by top-level name)
RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("models", "services"), ("handlers", "bot", "sandbox")),
    (("handlers",), ("bot", "sandbox")),
    (("bot.outbox",), ("handlers",)),
    (("bot",), ("sandbox",)),
    (("sandbox.telegram", "sandbox.wecom", "sandbox.web"), ("bot", "handlers", "services",
                                                             "models")),
)


def breaches(root: Path = ROOT) -> list[str]:
    """Every import that breaks a layer rule, as `module:line imports what`."""
    _, seen = graph(root)
    return [f"{name}:{line} imports {module}" for name, line, module in seen
            if any(within(name, importers) and module.split(".")[0] in forbidden
                   for importers, forbidden in RULES)
            or (module.split(".")[0] in CHAT_LIBRARIES
                and not within(name, CHAT_LIBRARIES[module.split(".")[0]]))]


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return (name + ".").startswith(tuple(p + "." for p in prefixes))


def test_no_layer_imports_what_is_above_it() -> None:
    assert breaches() == []


def test_no_modules_import_each_other_at_the_top_or_in_a_function() -> None:
    edges, _ = graph()
    assert cycles(edges) == []


def test_the_checks_see_hidden_cycles_and_a_core_module_importing_the_bot(
    tmp_path: Path,
) -> None:
    """The checks on a small tree made to break them: a cycle hidden in a function, one through
    a package's __init__, and a service importing Telegram and the bot, and the jobs importing
    Telegram (the adapter may)."""
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "handlers" / "cards.py").write_text(
        "def draw():\n    from handlers import render\n", encoding="utf-8")
    (tmp_path / "handlers" / "render.py").write_text(
        "from handlers.cards import draw\n", encoding="utf-8")
    (tmp_path / "services" / "intake.py").write_text(
        "from telegram import Bot\nfrom bot.app import build\n", encoding="utf-8")
    (tmp_path / "handlers" / "notices").mkdir()
    (tmp_path / "handlers" / "notices" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "handlers" / "notices" / "groups.py").write_text(
        "from telegram import InlineKeyboardButton\nfrom handlers import cards\n",
        encoding="utf-8")
    (tmp_path / "bot" / "app.py").write_text("from handlers import cards\n", encoding="utf-8")
    # Telegram in the jobs is a breach; in the channel's adapter it is what the adapter is for.
    (tmp_path / "bot" / "jobs.py").write_text("from telegram.ext import JobQueue\n",
                                              encoding="utf-8")
    (tmp_path / "bot" / "telegram").mkdir()
    (tmp_path / "bot" / "telegram" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "bot" / "telegram" / "answer.py").write_text(
        "from telegram import Bot\nfrom handlers import cards\n", encoding="utf-8")
    # A cycle through a package's __init__: loading `cases.news` runs `cases/__init__` first.
    (tmp_path / "handlers" / "table.py").write_text(
        "from handlers.cases import news\n", encoding="utf-8")
    (tmp_path / "handlers" / "cases").mkdir()
    (tmp_path / "handlers" / "cases" / "__init__.py").write_text(
        "from handlers.cases.actions import register\n", encoding="utf-8")
    (tmp_path / "handlers" / "cases" / "actions.py").write_text(
        "from handlers.cases import news\nfrom handlers.table import RENDERERS\n",
        encoding="utf-8")
    (tmp_path / "handlers" / "cases" / "news.py").write_text("", encoding="utf-8")
    edges, _ = graph(tmp_path)
    assert sorted(cycles(edges)) == [
        ["handlers.cards", "handlers.render"],
        ["handlers.cases", "handlers.cases.actions", "handlers.table"],
    ]
    assert sorted(breaches(tmp_path)) == ["bot.jobs:1 imports telegram.ext",
                                          "handlers.notices.groups:1 imports telegram",
                                          "services.intake:1 imports telegram",
                                          "services.intake:2 imports bot.app"]


def test_the_photo_pipeline_loads_no_database() -> None:
    """A process that only decodes photos (the photo benchmark's, a worker's) loads Pillow and
    services.photos, not SQLAlchemy nor the settings: their import alone costs ~25 MB."""
    probe = ("import sys; import services.photos; "
             "print(sorted(m for m in ('sqlalchemy', 'models', 'services.settings') "
             "if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=ROOT, check=True).stdout.strip()
    assert found == "[]"
