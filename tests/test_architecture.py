"""The architecture holds: no import circles, the modules kept out of start-up stay out of it,
and the import contracts in pyproject.toml refuse a violation planted in a copy of the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# loaded when first used, never by opening the console on its queue
KEPT_OUT_OF_START_UP = [
    "alembic",
    "helpdesk.store.commands",
    "helpdesk.store.admin.demo",
    "helpdesk.store.admin.export",
    "helpdesk.store.admin.importers",
    "helpdesk.store.db.audit",
    "helpdesk.store.queries.call",
    "helpdesk.store.queries.pause_register",
    "helpdesk.store.queries.statistics",
    "helpdesk.tui.forms",
    "helpdesk.tui.screens.call",
    "helpdesk.tui.screens.review",
    "helpdesk.tui.screens.statistics",
]


def circles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(component)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_the_package_has_no_import_circles_not_even_through_type_hints():
    graph = grimp.build_graph("helpdesk", cache_dir=None)  # imports in function bodies and TYPE_CHECKING too
    assert circles(graph) == []


def test_the_circle_finder_finds_a_circle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.c", imported="a.d")
    assert circles(graph) == [{"a.b", "a.c"}]


def test_opening_the_console_loads_none_of_the_modules_kept_out_of_start_up():
    """What `helpdesk` imports to show the queue (the command line, the App, the queue screen)."""
    script = (
        "import sys\n"
        "import helpdesk.cli, helpdesk.tui.app, helpdesk.tui.navigation\n"
        "helpdesk.tui.navigation.screen_class('queue')\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = set(
        subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.split()
    )
    assert "helpdesk.tui.screens.queue" in loaded  # (the check itself sees what it should)
    early = [kept for kept in KEPT_OUT_OF_START_UP if any(m == kept or m.startswith(kept + ".") for m in loaded)]
    assert early == []


def test_every_screen_opened_by_name_is_a_screen():
    from textual.screen import Screen

    from helpdesk.tui import navigation

    for name in navigation.SCREENS:
        assert issubclass(navigation.screen_class(name), Screen), name


PLANTED = [
    (
        "helpdesk/tui/screens/queue.py",
        "from helpdesk.tui.screens.call import CallScreen  # noqa: F401\n",
        "Screens do not import one another",
    ),
    (
        "helpdesk/tui/screens/feedback.py",
        "from helpdesk.store.db.engine import make_engine  # noqa: F401\n",
        "The screens reach the store through the desk only",
    ),
    (
        "helpdesk/store/queries/review.py",
        "from helpdesk.store.commands.record import add_advice  # noqa: F401\n",
        "Queries only read",
    ),
    (
        "helpdesk/store/db/models.py",
        "from helpdesk.store.rows import QueueRow  # noqa: F401\n",
        "The store in layers",
    ),
    ("helpdesk/domain/call.py", "import sqlalchemy  # noqa: F401\n", "The domain is plain Python"),
]


def lint_imports_on_a_copy(tmp_path: Path, module: str | None = None, planted: str = "") -> subprocess.CompletedProcess:
    """lint-imports run on a copy of the package, with `planted` added to `module` first."""
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "helpdesk", copy / "helpdesk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    if module:
        target = copy / module
        head, sep, rest = target.read_text().partition("from __future__ import annotations\n")
        assert sep, module  # planted after the module's docstring and its __future__ import
        target.write_text(head + sep + planted + rest)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy)},
    )


needs_lint_imports = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="lint-imports comes with the test extra")


@needs_lint_imports
def test_the_contracts_hold_on_an_untouched_copy(tmp_path):
    result = lint_imports_on_a_copy(tmp_path)
    assert result.returncode == 0, result.stdout


@needs_lint_imports
@pytest.mark.parametrize(("module", "planted", "contract"), PLANTED, ids=[p[2] for p in PLANTED])
def test_the_contracts_refuse_a_planted_violation(tmp_path, module, planted, contract):
    result = lint_imports_on_a_copy(tmp_path, module, planted)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken.replace("\n", " ")
