"""The tests' own layout: test modules live in a folder of their kind, shared helpers only in
tests/support/, and no module imports a test module or a conftest (at the top or inside a
function): a helper two tests need goes to support/, so pytest loads each test module once."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
KINDS = ("unit", "integration", "e2e", "browser")


def is_test_module(dotted: str) -> bool:
    """`tests.integration.test_outbox`, `test_outbox` or a conftest, however it is spelt."""
    last = dotted.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every import in the tree, `from a import b` giving `a.b` as well."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):  # relative: `from . import test_x`
            found += [(node.lineno, alias.name) for alias in node.names]
            if node.module:
                found.append((node.lineno, node.module))
    return found


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    bad = [f"{path.relative_to(TESTS)}:{line} imports {module}"
           for path in sorted(TESTS.rglob("*.py"))
           for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8")))
           if is_test_module(module)]
    assert bad == []


def test_test_modules_sit_in_a_kind_folder_and_helpers_in_support() -> None:
    misplaced = []
    for path in sorted(TESTS.rglob("*.py")):
        where = path.relative_to(TESTS)
        if path.name.startswith("test_"):
            ok = len(where.parts) == 2 and where.parts[0] in KINDS
        elif path.name == "conftest.py":
            ok = len(where.parts) == 1 or (len(where.parts) == 2 and where.parts[0] in KINDS)
        else:
            ok = len(where.parts) == 2 and where.parts[0] == "support"
        if not ok:
            misplaced.append(str(where))
    assert misplaced == []


def test_the_check_sees_every_spelling_of_a_test_import() -> None:
    spelt = ("import tests.integration.test_outbox\n"
             "from tests.e2e.test_webhook import BotProcess\n"
             "from tests.integration import test_groups\n"
             "from tests.conftest import make_settings\n"
             "def helper() -> None:\n    from test_cli import gridpatrol\n")
    caught = {module for _, module in imported_modules(ast.parse(spelt)) if is_test_module(module)}
    assert caught == {"tests.integration.test_outbox", "tests.e2e.test_webhook",
                      "tests.integration.test_groups", "tests.conftest", "test_cli"}
    fine = "from tests.support.outbox import paced\nfrom tests.support import images\n"
    assert not [m for _, m in imported_modules(ast.parse(fine)) if is_test_module(m)]
