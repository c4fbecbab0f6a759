"""The ``annotator`` command: the app by default, subcommands for batch work.

This module sits at the top of the layers: it may start the GUI, and nothing
imports it.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from annotator import __version__
from annotator.codebook import CodebookError
from annotator.paths import default_project_path
from annotator.store.errors import ProjectError

DB_HELP = (
    "the project: a .upr file or a database URL such as "
    "postgresql+psycopg://user@host/db (default: $ANNOTATOR_DB, else %(default_path)s)"
)


def _epilog(text: str) -> str:
    return "example:\n" + textwrap.indent(textwrap.dedent(text).strip(), "  ")


def build_parser() -> argparse.ArgumentParser:
    db_help = DB_HELP % {"default_path": default_project_path()}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH_OR_URL", help=db_help)

    parser = argparse.ArgumentParser(
        prog="annotator",
        description=(
            "UPR Coder: code UN Universal Periodic Review recommendations. "
            "With no command it opens the app."
        ),
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator                       # open the app on your last project
            annotator --coder "Amina K."    # open it as this coder without asking
            annotator init --sample --db china.upr
            annotator info --db china.upr
            """
        ),
    )
    parser.add_argument("--version", action="version", version=f"UPR Coder {__version__}")
    parser.add_argument("--coder", metavar="NAME", help="open the app as this coder")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = commands.add_parser(
        "init",
        parents=[common],
        help="create a project",
        description="Create a project with the UN states and a codebook.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator init --db team.upr --sample
            annotator init --db team.upr --codebook my-codebook.yaml
            """
        ),
    )
    init.add_argument(
        "--codebook",
        metavar="FILE",
        type=Path,
        help="codebook as YAML or xlsx (default: the built-in UPR recommendations codebook)",
    )
    init.add_argument(
        "--sample",
        action="store_true",
        help="load the bundled sample: China's 2018 review, 346 recommendations",
    )

    commands.add_parser(
        "info",
        parents=[common],
        help="say what a project holds",
        description=(
            "List a project's reviews, recommendations, codebook and coders, with each "
            "coder's recommendations by status."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog("annotator info --db team.upr"),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    target = args.db or default_project_path()
    try:
        if args.command == "init":
            return _init(target, args)
        if args.command == "info":
            return _info(target)
        return _gui(args)
    except (ProjectError, CodebookError, ValueError, OSError) as error:
        print(f"annotator: {error}", file=sys.stderr)
        return 1


def _init(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.codebooks import load_codebook_file
    from annotator.services.projects import init_project, summarise

    book = load_codebook_file(args.codebook) if args.codebook else None
    project = init_project(target, codebook=book, sample=args.sample)
    try:
        summary = summarise(project)
    finally:
        project.close()
    print(f"Created project {summary.location}")
    print(f"Codebook: {summary.codebook}")
    print(f"Recommendations: {summary.recommendations}")
    return 0


def _info(target: str | Path) -> int:
    from annotator.services.projects import STATUS_LABELS, summarise
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        summary = summarise(project)
    finally:
        project.close()
    print(f"Project: {summary.location}")
    print(f"Codebook: {summary.codebook}")
    print(f"Reviews: {len(summary.reviews)}")
    for review in summary.reviews:
        year = f", {review.year}" if review.year else ""
        symbol = f", {review.report_symbol}" if review.report_symbol else ""
        print(
            f"  {review.state}, cycle {review.cycle}{year}{symbol}: "
            f"{review.recommendations} recommendations"
        )
    print(f"Recommendations: {summary.recommendations}")
    print(f"Coders: {len(summary.coders)}")
    for coder in summary.coders:
        parts = ", ".join(f"{STATUS_LABELS[s]} {n}" for s, n in coder.by_status.items())
        print(f"  {coder.name} ({coder.role}): {parts}")
    return 0


def _gui(args: argparse.Namespace) -> int:
    from annotator.gui.app import run

    return run(db=args.db, coder=args.coder)


if __name__ == "__main__":
    sys.exit(main())
