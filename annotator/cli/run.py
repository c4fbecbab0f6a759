"""Running one command: parse, dispatch, and turn what went wrong into a message and an
exit status (1: the person can put it right; 2: a bug, logged)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from annotator import errorlog
from annotator.cli import commands
from annotator.cli.parser import build_parser
from annotator.codebook import CodebookError
from annotator.importers.files import SourceFileError
from annotator.paths import default_project_location
from annotator.store.errors import ProjectBusy, ProjectError, file_failure


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    target = args.db or default_project_location()
    try:
        handler = commands.HANDLERS.get(args.command)
        if handler is not None:
            return handler(target, args)
        return _gui(args)
    except BrokenPipeError:
        # The reader went away (`annotator stats | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ProjectError, CodebookError, SourceFileError, ValueError) as error:
        print(f"annotator: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        from annotator.services.failures import file_problem

        print(f"annotator: {file_failure(error) or file_problem(error)}", file=sys.stderr)
        return 1
    except ProjectBusy as busy:
        print(f"annotator: {busy}", file=sys.stderr)
        return 1
    except Exception as error:
        return _failed(error, target)


def _failed(error: Exception, target: str | Path) -> int:
    """A database failure a person can cause gets its sentence; anything else is a bug:
    its traceback goes to the log file, and the message says where."""
    from annotator.services.failures import person_caused_failure

    failure = person_caused_failure(error, str(target))
    if failure is not None:
        print(f"annotator: {failure}", file=sys.stderr)
        return 1
    log = errorlog.record(error, context=f"command line: {' '.join(sys.argv[1:])[:500]}")
    print(f"annotator: {errorlog.unexpected_message(error, log)}", file=sys.stderr)
    return 2


def _gui(args: argparse.Namespace) -> int:
    from annotator.gui.app import run

    return run(db=args.db, coder=args.coder or getattr(args, "as_coder", None))
