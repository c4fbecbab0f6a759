"""The layering of DESIGN.md, checked mechanically."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE_MODULES = [
    "annotator.cli",
    "annotator.codebook",
    "annotator.states",
    "annotator.services.projects",
    "annotator.services.queue",
    "annotator.services.synthetic",
    "annotator.importers.matrix_csv",
    "annotator.store.project",
]


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Count-free, so a contract added elsewhere does not break this test.
    assert " 0 broken" in result.stdout, result.stdout
    assert "Importers free of the store, the services and SQLAlchemy KEPT" in result.stdout


def test_the_core_runs_without_loading_qt():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "loaded = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_ruff_clean():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "annotator", "tests", "scripts", "db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_qt_signals_do_not_leak_references():
    """PySide6 6.12.0 dropped a reference to True on every emit; the app then aborts."""
    code = (
        "import sys\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class R(QObject):\n"
        "    bare = Signal()\n"
        "    number = Signal(int)\n"
        "r = R()\n"
        "before = sys.getrefcount(True)\n"
        "for _ in range(3000):\n"
        "    r.bare.emit()\n"
        "    r.number.emit(1)\n"
        "sys.exit(0 if abs(sys.getrefcount(True) - before) < 50 else 3)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


MAX_MODULE_LINES = 600


def test_no_module_is_longer_than_a_newcomer_can_read():
    too_long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in sorted((ROOT / "annotator").rglob("*.py"))
        if (lines := len(path.read_text("utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long, f"split these along what they hold: {too_long}"


def _import_cycles(graph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative: the graph has a few hundred modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[set[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append(
                        (target, iter(sorted(graph.find_modules_directly_imported_by(target))))
                    )
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        cycles.append(component)
    return cycles


def test_no_import_cycle_inside_annotator():
    """Imports inside functions count (they are how cycles hide); imports for type
    checking only do not, as they never run."""
    import grimp

    graph = grimp.build_graph("annotator", cache_dir=None, exclude_type_checking_imports=True)
    cycles = _import_cycles(graph)
    assert not cycles, f"modules importing each other: {[sorted(c) for c in cycles]}"


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}

    class Graph:
        modules = frozenset(edges)

        def find_modules_directly_imported_by(self, module):
            return edges[module]

    assert _import_cycles(Graph()) == [{"a", "b", "c"}]


def mypy_errors(paths: list[str] | None = None) -> list[str]:
    """mypy's error lines for annotator/ (or the paths given), with pyproject's settings."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *(paths or ["annotator"])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "error: " in result.stdout or result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if ": error: " in line]


def test_the_types_check():
    errors = mypy_errors()
    assert not errors, "\n".join(errors)


def test_the_type_check_finds_an_error(tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text("def f(x: int) -> str:\n    return x\n")
    assert any("Incompatible return value" in e for e in mypy_errors([str(wrong)]))


# A project's units of work. ``write`` takes no positional argument, so a call with one
# is a stream's or a file's (``sys.stdout.write(text)``), not a transaction.
UNIT_OF_WORK_CALLS = ("session", "write", "write_retrying")


def _units_of_work_opened(source: str) -> list[int]:
    """Lines of ``source`` that open a project's session or write transaction."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        if name not in UNIT_OF_WORK_CALLS:
            continue
        if name == "write" and node.args:
            continue
        found.append(node.lineno)
    return sorted(found)


def test_the_front_ends_open_no_transaction():
    """The GUI and the command line call services with the project and plain values; the
    services open the session (no allowance list: every front-end module holds)."""
    opened = {}
    for folder in ("gui", "cli"):
        for path in sorted((ROOT / "annotator" / folder).rglob("*.py")):
            lines = _units_of_work_opened(path.read_text("utf-8"))
            if lines:
                opened[path.relative_to(ROOT).as_posix()] = lines
    assert not opened, f"move these into a service call: {opened}"


def test_the_transaction_finder_finds_one():
    source = (
        "import sys\n"
        "def f(self, text):\n"
        "    sys.stdout.write(text)\n"
        "    # with self.project.session() as session: (a comment is not a call)\n"
        "    p = self.project\n"
        "    with p.write() as s:\n"
        "        pass\n"
        "    with p.write(busy_timeout_ms=10) as s:\n"
        "        pass\n"
        "    rows = self.project.session().execute('x')\n"
        "    p.write_retrying(lambda s: None)\n"
    )
    assert _units_of_work_opened(source) == [6, 8, 10, 11]
