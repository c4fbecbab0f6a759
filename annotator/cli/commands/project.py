"""``annotator init`` and ``annotator info``: create a project, say what it holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.command import Command, arg
from annotator.services.identity import CODER_VARIABLE


def _init(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.codebook import load_codebook_file
    from annotator.services.coders import clean_name
    from annotator.services.projects import init_project, summarise

    book = load_codebook_file(args.codebook) if args.codebook else None
    coordinator = _creator(args)
    project = init_project(target, codebook=book, sample=args.sample, coordinator=coordinator)
    try:
        summary = summarise(project)
    finally:
        project.close()
    print(f"Created project {summary.location}")
    print(f"Codebook: {summary.codebook}")
    print(f"Recommendations: {summary.recommendations}")
    if coordinator:
        print(f"Coordinator: {clean_name(coordinator)}")
    else:
        print(
            "Coordinator: nobody yet. Say who you are next time (--as NAME or "
            f"${CODER_VARIABLE}); to become coordinator now: "
            "annotator coder set-role YOUR-NAME coordinator --as YOUR-NAME"
        )
    return 0


def _creator(args: argparse.Namespace) -> str | None:
    """Whoever creates a project is its coordinator: --as, else $ANNOTATOR_CODER, else
    the name the app remembers, else (at a terminal) asked; else nobody yet."""
    from annotator.services.coders import clean_name
    from annotator.services.identity import acting_name

    name = acting_name(getattr(args, "as_coder", None))
    if name is None and sys.stdin.isatty():
        try:
            answer = input("Your name (you become the project's coordinator; Enter to skip): ")
        except EOFError:
            answer = ""
        name = " ".join(answer.split()) or None
    if name is not None:
        clean_name(name)  # a bad name is refused before anything is created
    return name


def _info(target: str | Path, _args: argparse.Namespace) -> int:
    from annotator.services.projects import summarise
    from annotator.services.suggesting import settings_line
    from annotator.services.suggestion_models import status_line
    from annotator.store.project import open_project
    from annotator.vocabulary import STATUS_LABELS

    project = open_project(target)
    try:
        summary = summarise(project)
        suggestions = (status_line(project), settings_line(project))
    finally:
        project.close()
    print(f"Project: {summary.location}")
    print(f"Codebook: {summary.codebook}")
    for line in suggestions:
        print(line)
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


INIT = Command(
    "init",
    help="create a project",
    description="Create a project with the UN states and a codebook.",
    example="""
        annotator init --db team.upr --sample
        annotator init --db team.upr --codebook my-codebook.yaml
        """,
    args=(
        arg(
            "--codebook",
            metavar="FILE",
            type=Path,
            help="codebook as YAML or xlsx (default: the built-in UPR recommendations codebook)",
        ),
        arg(
            "--sample",
            action="store_true",
            help="load the bundled sample: China's 2018 review, 346 recommendations",
        ),
    ),
    handler=_init,
)

INFO = Command(
    "info",
    help="say what a project holds",
    description=(
        "List a project's reviews, recommendations, codebook and coders, with each "
        "coder's recommendations by status, and what the theme suggestions rest on and "
        "when they show."
    ),
    example="annotator info --db team.upr",
    handler=_info,
)
