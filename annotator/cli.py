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
from annotator.importers.detect import FORMATS
from annotator.importers.files import SourceFileError
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
    imp = commands.add_parser(
        "import",
        parents=[common],
        help="import recommendations or responses from files",
        description=(
            "Import UPR recommendations, or a state's responses, from OHCHR matrices (.docx), "
            "UPR Info exports (.xls/.xlsx/.csv), UHRI exports (.xlsx), Working Group reports "
            "(.docx/.txt), response lists, or any table with a column mapping. The format is "
            "recognised from the content unless --format says it. Nothing is written when "
            "any file has an error: the import is all or nothing."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator import --dry-run china-2018-matrix.docx
            annotator import uprinfo-export.csv
            annotator import --review China:4 --format wg-report A_HRC_55_6.docx
            annotator import --review A/HRC/55/6 china-responses.xlsx
            annotator import --review Chile:4 my-table.xlsx \\
              --map "number=Para,text=Recommendation,recommending_state=State"
            """
        ),
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument(
        "--format", choices=sorted(FORMATS), help="the files' format (default: recognised)"
    )
    imp.add_argument(
        "--review",
        metavar="REVIEW",
        help="the review the files belong to, as STATE:CYCLE (China:4) or a report symbol "
        "(A/HRC/55/6); needed for Working Group reports and responses",
    )
    imp.add_argument(
        "--map",
        metavar="MAPPING",
        help="for any other table: which column holds what, as target=Column pairs; targets: "
        "number, text, recommending_state, response, response_explanation, "
        "state_under_review, cycle, session, report_symbol (other columns are kept as tags)",
    )
    imp.add_argument(
        "--sheet", metavar="NAME", help="the workbook's sheet to read (default: the first)"
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="show what would be imported, write nothing"
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
        if args.command == "import":
            return _import(target, args)
        return _gui(args)
    except (ProjectError, CodebookError, SourceFileError, ValueError, OSError) as error:
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


def _import(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.importers.generic_table import parse_mapping
    from annotator.services.importing import (
        ImportOptions,
        ImportRefused,
        describe,
        import_files,
        parse_review,
    )
    from annotator.store.project import open_project

    review, symbol = parse_review(args.review) if args.review else (None, None)
    options = ImportOptions(
        format=args.format,
        review=review,
        review_symbol=symbol,
        mapping=parse_mapping(args.map) if args.map else None,
        sheet=args.sheet,
    )
    project = open_project(target)
    try:
        plan = import_files(project, args.files, options, dry_run=args.dry_run)
    except ImportRefused as refused:
        for line in describe(refused.plan):
            print(line)
        print("Nothing was imported: correct the errors above and import again.", file=sys.stderr)
        return 1
    finally:
        project.close()
    for line in describe(plan):
        print(line)
    if args.dry_run:
        print(
            "Dry run: nothing was written."
            + (" The import would be refused." if plan.errors else "")
        )
        return 1 if plan.errors else 0
    print(
        "Imported."
        if plan.writes_anything
        else "Nothing new to import: the project already holds all of it."
    )
    return 0


def _gui(args: argparse.Namespace) -> int:
    from annotator.gui.app import run

    return run(db=args.db, coder=args.coder)


if __name__ == "__main__":
    sys.exit(main())
