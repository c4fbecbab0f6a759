"""``annotator export`` and ``annotator import-codes``: workbooks and CSV out, coding
sheets out and back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.command import Command, arg
from annotator.cli.commands.shared import SOURCE_HELP, given


def _export(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.command_line import acting_coder, review_ids
    from annotator.services.exporting import ExportOptions, export
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        reviews = review_ids(project, args.review)
        acting = acting_coder(project, given(args))
        if args.coding_sheet:
            from annotator.services.coding_sheet import write_coding_sheet

            if not args.coder:
                raise ValueError("A coding sheet is for one coder: name them with --coder.")
            sheet = write_coding_sheet(
                project, args.coder, args.out, review_ids=reviews, by_coder_id=acting
            )
            print(
                f"Wrote a coding sheet for {sheet.coder}: {sheet.recommendations} "
                f"recommendations, to {args.out}"
            )
            return 0
        fmt = args.format or ("csv" if args.out.suffix.lower() == ".csv" else "xlsx")
        options = ExportOptions(
            format=fmt,
            source=args.source,
            review_ids=tuple(reviews) if reviews is not None else None,
            reliability=not args.no_reliability,
        )
        result = export(project, args.out, options, by_coder_id=acting)
    finally:
        project.close()
    print(f"Exported {result.recommendations} recommendations ({result.source}) to {result.path}")
    if result.coder_rows:
        print(f"Coders' rows: {result.coder_rows}")
    if result.sheets:
        print(f"Sheets: {', '.join(result.sheets)}")
    if result.cut_sentence():
        print(f"Note: {result.cut_sentence()}")
    return 0


def _import_codes(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.coding_sheet import CodingSheetRefused, import_coding_sheet
    from annotator.services.command_line import acting_coder
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        acting = acting_coder(project, given(args))
        result = import_coding_sheet(project, args.file, dry_run=args.dry_run, by_coder_id=acting)
    except CodingSheetRefused as refused:
        for problem in refused.problems:
            print(problem)
        print(
            f"Nothing was saved: {len(refused.problems)} problem(s) in {args.file}. "
            "Correct them and import the sheet again.",
            file=sys.stderr,
        )
        return 1
    finally:
        project.close()
    verb = "Would save" if args.dry_run else "Saved"
    print(
        f"{verb} {result.changed_values} changed values on {result.recommendations} "
        f"recommendations for {result.coder}"
        + (f" and {result.changed_statuses} statuses." if result.changed_statuses else ".")
    )
    if args.dry_run:
        print("Dry run: nothing was written.")
    return 0


EXPORT = Command(
    "export",
    help="export the coded recommendations as a workbook or CSV",
    description=(
        "Write the coded recommendations as an Excel workbook (sheets Recommendations, "
        "Summary with charts, Reliability, Codebook, About) or as CSV (UTF-8 with a BOM). "
        "No cell is ever read as a formula. With --coding-sheet, write a sheet for one "
        "coder to code in Excel and bring back with 'annotator import-codes'."
    ),
    example="""
        annotator export --db team.upr coded.xlsx
        annotator export --db team.upr --source coder:Amina amina.xlsx
        annotator export --db team.upr --source all-coders --format csv all.csv
        annotator export --db team.upr --review China:4 china-2024.xlsx
        annotator export --db team.upr --coding-sheet --coder Amina amina-sheet.xlsx
        """,
    args=(
        arg("out", type=Path, metavar="OUT", help="the file to write"),
        arg("--format", choices=("xlsx", "csv"), help="default: from OUT's extension, else xlsx"),
        arg("--source", default="consensus", help=SOURCE_HELP + " (default: %(default)s)"),
        arg(
            "--review",
            action="append",
            metavar="REVIEW",
            help="only this review, as STATE:CYCLE (China:4) or a report symbol; repeat for more",
        ),
        arg(
            "--coding-sheet",
            action="store_true",
            help="write a coding sheet for --coder (their assigned recommendations) instead",
        ),
        arg("--coder", metavar="NAME", help="the coder of the coding sheet"),
        arg("--no-reliability", action="store_true", help="leave out the Reliability sheet"),
    ),
    handler=_export,
)

IMPORT_CODES = Command(
    "import-codes",
    help="bring back a coding sheet filled in outside the app",
    description=(
        "Read a coding sheet written by 'annotator export --coding-sheet' and save what "
        "the coder entered as their codes. Every cell is checked first (unknown codes, "
        "two values in a single-choice field, edited recommendation text...); if any is "
        "wrong nothing is saved and each problem is listed by sheet, row and column."
    ),
    example="""
        annotator import-codes --db team.upr amina-sheet.xlsx
        annotator import-codes --db team.upr --dry-run amina-sheet.xlsx
        """,
    args=(
        arg("file", type=Path, metavar="FILE"),
        arg("--dry-run", action="store_true", help="check the sheet, save nothing"),
    ),
    handler=_import_codes,
)
