"""``annotator irr``: inter-coder reliability, or the sample it needs (--plan)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.command import Command, arg
from annotator.cli.commands.shared import given, names

# Kept here, not imported, so that building the parser does not load pandas and the
# statistics; tests/test_reliability_report.py checks they match the service's.
IRR_FORMATS = ("table", "csv", "json", "xlsx")
IRR_MEASURES = ("percent", "unanimous", "alpha", "jaccard", "kappa", "pi", "fleiss", "ac1", "ac2")


def _irr(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.command_line import reliability
    from annotator.services.reliability_report import write_report
    from annotator.store.project import open_project
    from annotator.store.safe_write import check_target

    fmt = args.format
    if fmt is None:
        suffix = args.out.suffix.lower().lstrip(".") if args.out else ""
        fmt = suffix if suffix in ("csv", "json", "xlsx") else "table"
    if fmt == "xlsx" and args.out is None:
        raise ValueError("A workbook needs a file to go to: add --out FILE.xlsx.")
    fields = None
    if args.field:
        fields = [key for value in args.field for key in names(value) or []]
    if args.plan:
        return _irr_plan(target, args, fields, fmt)
    project = open_project(target)
    try:
        if args.out is not None:  # before the figures are computed, not after
            check_target(args.out, protect=[project.path])
        result = reliability(
            project,
            given=given(args),
            fields=fields,
            coders=names(args.coders),
            metrics=args.metric,
            by_code=args.by == "code",
            bootstrap=args.bootstrap,
            seed=args.seed,
            without_suggestions=args.without_suggestions,
        )
    finally:
        project.close()
    if not result.comparable:
        among = f" among {', '.join(result.coders)}" if result.coders else ""
        labels = ", ".join(f.label for f in result.fields)
        message = (
            f"Fewer than two coders{among} coded the same recommendations in {labels}, "
            "so there is no agreement to measure yet."
        )
        if result.overlap_done == 0:
            message += (
                f" {result.overlap_reading} Give two coders the same recommendations "
                "(Assign recommendations: a random sample for double coding) and measure "
                "again when both are done."
            )
        raise ValueError(message)
    text = write_report(result, fmt, args.out, project_path=project.path)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"Wrote {args.out}")
    return 0


def _irr_plan(
    target: str | Path, args: argparse.Namespace, fields: list[str] | None, fmt: str
) -> int:
    import json
    from dataclasses import asdict

    from annotator.services.command_line import reliability_sample_plan
    from annotator.services.sample_plan import plan_table
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        plan = reliability_sample_plan(project, fields, names(args.coders))
    finally:
        project.close()
    if fmt not in ("table", "json"):
        raise ValueError("The sample plan is written as a table or as JSON (--format json).")
    if fmt == "json":
        data = asdict(plan)
        for row, out in zip(plan.rows, data["rows"], strict=True):
            out["reading"] = row.reading(plan.recommendations)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = plan_table(plan)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


IRR = Command(
    "irr",
    help="measure inter-coder reliability",
    description=(
        "Measure how far coders agree on the recommendations two or more of them coded: "
        "percent agreement, Krippendorff's alpha, Cohen's or Fleiss' kappa, Gwet's AC1/AC2 "
        "for each field, each pair of coders and (with --by code) each code, with a "
        "plain-language reading of every figure. Free-text fields are measured only when "
        "named with --field."
    ),
    example="""
        annotator irr --db team.upr
        annotator irr --db team.upr --field themes --by code --coders "Amina K.,Ben"
        annotator irr --db team.upr --metric alpha,kappa --bootstrap 1000 --format json
        annotator irr --db team.upr --by code --out reliability.xlsx
        annotator irr --db team.upr --plan
        annotator irr --db team.upr --without-suggestions
        """,
    args=(
        arg(
            "--field",
            action="append",
            metavar="KEY",
            help="a codebook field to measure, by key (repeat or separate with commas; "
            "default: every coded field but free text)",
        ),
        arg(
            "--coders",
            metavar="A,B",
            help="only these coders, by name, separated with commas (default: all)",
        ),
        arg(
            "--metric",
            action="append",
            metavar="NAME",
            help="measures to compute (repeat or separate with commas): "
            f"{', '.join(IRR_MEASURES)} (default: the usual ones for each kind of field)",
        ),
        arg(
            "--by",
            choices=["code"],
            help="also measure each code of the choice fields (present or absent), "
            "least reliable first",
        ),
        arg(
            "--bootstrap",
            type=int,
            default=0,
            metavar="DRAWS",
            help="95 %% intervals from this many bootstrap draws of the recommendations "
            "(e.g. 1000)",
        ),
        arg("--seed", type=int, default=0, help="seed of the bootstrap draws"),
        arg(
            "--without-suggestions",
            action="store_true",
            help="only recommendations no coder had theme suggestions on screen for "
            "(the report says how many were left out)",
        ),
        arg(
            "--format",
            choices=IRR_FORMATS,
            help="table (default), csv, json, or xlsx (needs --out); "
            "default: from the --out file's ending",
        ),
        arg("--out", type=Path, metavar="FILE", help="write to this file, not the screen"),
        arg(
            "--plan",
            action="store_true",
            help="plan the sample instead: how many double-coded recommendations each field "
            "and theme needs for alpha .800 (and .667) at p = .05, and whether there are enough",
        ),
    ),
    handler=_irr,
)
