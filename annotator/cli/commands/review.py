"""``annotator review``: the project's reviews, their sessions and report symbols."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.command import Command, arg


def _review(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services import reviews
    from annotator.services.command_line import reviews_listed
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.review_command == "set":
            if not any((args.symbol, args.addendum, args.session, args.year)):
                raise ValueError("say what to set: --symbol, --addendum, --session or --year")
            info, warnings = reviews.set_review(
                project,
                args.which,
                session_number=args.session,
                year=args.year,
                report_symbol=args.symbol,
                responses_symbol=args.addendum,
            )
            for warning in warnings:
                print(f"warning: {warning}", file=sys.stderr)
            shown = [info]
        else:
            shown = reviews_listed(project)
    finally:
        project.close()
    if not shown:
        print("The project has no reviews yet: import a review's recommendations first.")
    for info in shown:
        year = f"{info.year}" if info.year else "year unknown"
        print(
            f"{info.label}  {year}, {info.dates}; report {info.report_symbol or '(not set)'}, "
            f"addendum {info.responses_symbol or '(not set)'}; "
            f"{info.recommendations} recommendations"
        )
    return 0


REVIEW = Command(
    "review",
    help="list the project's reviews, or set a review's session and report symbols",
    description=(
        "A review's session gives its year and month (from the UPR calendar); its report "
        "symbol (A/HRC/43/15) and addendum symbol (A/HRC/43/15/Add.1) name the documents "
        "its recommendations and responses come from."
    ),
    example="""
        annotator review list
        annotator review set China:4 --symbol A/HRC/56/6 --session 45
        annotator review set China:4 --addendum A/HRC/56/6/Add.1
        """,
    actions=(
        Command("list", help="every review with its session and symbols"),
        Command(
            "set",
            help="set a review's session, year or symbols",
            example="annotator review set Slovenia:3 --symbol A/HRC/43/15 --session 34",
            args=(
                arg("which", metavar="STATE:CYCLE", help="the review (or its report symbol)"),
                arg("--symbol", help="the Working Group report's symbol, A/HRC/NN/X"),
                arg("--addendum", help="the addendum's symbol, A/HRC/NN/X/Add.1"),
                arg("--session", type=int, help="the Working Group session (1, 2, ...)"),
                arg(
                    "--year",
                    type=int,
                    help="the year, only for a session the UPR calendar does not hold",
                ),
            ),
        ),
    ),
    handler=_review,
)
