"""The `annotator` command run in-process: ``annotator.cli.main(argv)`` with its output
captured, answering like ``subprocess.run`` (``.returncode``, ``.stdout``, ``.stderr``),
so a test reads the same either way and needs no new interpreter per command.

A subprocess is still the way for what only a process can show: starting the GUI,
a process killed mid-write, a file that used to abort the interpreter, and the few
smoke tests of ``python -m annotator`` itself (tests/test_cli.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from annotator.cli import main
from annotator.cli import run as cli_run


@dataclass
class Ran:
    """What a command did, named as subprocess.CompletedProcess names it."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str = field(repr=False)


def _no_gui(_args: object) -> int:
    raise AssertionError("the app opens in a window: test that in a subprocess")


@contextlib.contextmanager
def _environment(extra: Mapping[str, str]) -> Iterator[None]:
    """os.environ with ``extra`` set, as a child process given ``{**os.environ, **extra}``
    would see it, then back as it was."""
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_annotator(
    *args: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
) -> Ran:
    """Run ``annotator ARGS...`` in this process, as a person would from a shell with no
    terminal attached: stdin empty (so nothing is asked), output captured."""
    argv = [os.fspath(a) for a in args]
    extra = dict(env or {})
    # A child with piped output formats --help for 80 columns; so does this, whatever
    # terminal pytest itself runs in.
    if "COLUMNS" not in os.environ:
        extra.setdefault("COLUMNS", "80")
    out, err = io.StringIO(), io.StringIO()
    saved_argv, saved_stdin, saved_cwd = sys.argv, sys.stdin, os.getcwd()
    sys.argv = ["annotator", *argv]
    sys.stdin = io.StringIO("")
    saved_gui, cli_run._gui = cli_run._gui, _no_gui
    try:
        with _environment(extra), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if cwd is not None:
                os.chdir(cwd)
            try:
                code = main(argv)
            except SystemExit as stop:  # argparse: --help, --version, a usage error
                if stop.code is None or isinstance(stop.code, int):
                    code = stop.code or 0
                else:
                    print(stop.code, file=sys.stderr)
                    code = 1
    finally:
        os.chdir(saved_cwd)
        sys.argv, sys.stdin = saved_argv, saved_stdin
        cli_run._gui = saved_gui
    return Ran(["annotator", *argv], code, out.getvalue(), err.getvalue())
