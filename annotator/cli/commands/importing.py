"""``annotator import``: recommendations or responses from files, all or nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.command import Command, arg
from annotator.importers.detect import FORMATS


def _mapping_hint(plan) -> None:
    """How to give the column mapping the core asks for, in this front end's words."""
    if any(batch.needs_mapping for batch in plan.batches):
        print(
            'Say which column holds what with --map, for example --map "number=Para,'
            'text=Recommendation,response=Position".',
            file=sys.stderr,
        )


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
        # A column mapping is only for "any other table": --map says the format.
        format=args.format or ("table" if args.map else None),
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
        _mapping_hint(refused.plan)
        print("Nothing was imported: correct the errors above and import again.", file=sys.stderr)
        return 1
    finally:
        project.close()
    for line in describe(plan):
        print(line)
    _mapping_hint(plan)
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


IMPORT = Command(
    "import",
    help="import recommendations or responses from files",
    description=(
        "Import UPR recommendations, or a state's responses, from OHCHR matrices (.docx), "
        "UPR Info exports (.xls/.xlsx/.csv), UHRI exports (.xlsx), Working Group reports "
        "(.docx/.txt), response lists, or any table with a column mapping. The format is "
        "recognised from the content unless --format says it. Nothing is written when "
        "any file has an error: the import is all or nothing."
    ),
    example="""
        annotator import --dry-run china-2018-matrix.docx
        annotator import uprinfo-export.csv
        annotator import --review China:A/HRC/56/6 --format wg-report A_HRC_56_6.docx
        annotator import --review A/HRC/56/6 china-responses.xlsx
        annotator import --review Chile:4 my-table.xlsx \\
          --map "number=Para,text=Recommendation,recommending_state=State"
        """,
    args=(
        arg("files", nargs="+", type=Path, metavar="FILE"),
        arg("--format", choices=sorted(FORMATS), help="the files' format (default: recognised)"),
        arg(
            "--review",
            metavar="REVIEW",
            help="the review the files belong to, as STATE:CYCLE (China:4), as the state and "
            "its report symbol (China:A/HRC/56/6: the session and year come from the UPR "
            "calendar), or the report symbol alone of a review the project has (A/HRC/56/6)",
        ),
        arg(
            "--map",
            metavar="MAPPING",
            help="for any other table: which column holds what, as target=Column pairs; "
            "targets: number, text, recommending_state, response, response_explanation, "
            "state_under_review, cycle, session, report_symbol (other columns are kept as tags)",
        ),
        arg("--sheet", metavar="NAME", help="the workbook's sheet to read (default: the first)"),
        arg("--dry-run", action="store_true", help="show what would be imported, write nothing"),
    ),
    handler=_import,
)
