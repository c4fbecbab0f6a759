"""``annotator package`` and ``annotator merge``: coder packages out and back in."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.command import Command, arg
from annotator.cli.commands.shared import given


def _package(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.command_line import acting_coder
    from annotator.services.packages import create_package
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        acting = acting_coder(project, given(args))
        report = create_package(
            project,
            args.coder,
            args.out,
            assignment=args.assignment,
            overwrite=args.overwrite,
            made_by_id=acting,
        )
    finally:
        project.close()
    print(report.sentence())
    return 0


def _merge(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.command_line import acting_coder
    from annotator.services.packages import merge, merge_preview
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        by_coder_id = acting_coder(project, given(args))
        if args.dry_run:
            plan = merge_preview(
                project, args.files, add_coders=args.add_coders, by_coder_id=by_coder_id
            )
        else:
            plan = merge(project, args.files, by_coder_id=by_coder_id, add_coders=args.add_coders)
    finally:
        project.close()
    for line in plan.lines(details=args.details):
        print(line)
    if args.dry_run:
        print("Dry run: nothing was merged.")
    elif plan.writes_anything:
        print(
            "Merged."
            + (f" A copy of the project as it was is in {plan.backup}" if plan.backup else "")
        )
    else:
        print("Nothing new to merge: the project already holds all of it.")
    return 0


_CREATE_EXAMPLE = """
    annotator package create --db team.upr --coder "Amina K." amina.upr
    annotator package create --db team.upr --coder Ben --assignment all ben.upr
    """

PACKAGE = Command(
    "package",
    help="make coder packages to code offline",
    description=(
        "Coder packages: a project file for one coder, holding the recommendations given "
        "to them, the codebook and their own earlier codes, and nothing of the other "
        "coders' codes. The coder opens it in UPR Coder like any project, codes offline, "
        "and sends it back for 'annotator merge'."
    ),
    example=_CREATE_EXAMPLE,
    actions=(
        Command(
            "create",
            help="write one coder's package",
            description=(
                "Write the package of one coder: their assigned recommendations (every "
                "recommendation if they have no assignment, or with --assignment all), the "
                "codebook in use and their own earlier codes and statuses. No other coder's "
                "codes go into it, so blind coding holds."
            ),
            example=_CREATE_EXAMPLE,
            args=(
                arg("out", type=Path, metavar="OUT.upr", help="the package file to write"),
                arg("--coder", required=True, metavar="NAME", help="whose package it is"),
                arg(
                    "--assignment",
                    choices=("mine", "all"),
                    default="mine",
                    help="mine: the recommendations assigned to the coder (all if they have "
                    "none); all: every recommendation (default: %(default)s)",
                ),
                arg(
                    "--overwrite",
                    action="store_true",
                    help="replace OUT.upr if it exists already",
                ),
            ),
        ),
    ),
    handler=_package,
)

MERGE = Command(
    "merge",
    help="bring coders' packages back into the project",
    description=(
        "Merge coder packages into the project, all in one go: a coder's later edit of a "
        "value wins and the value it replaces is kept in the audit trail; a value the "
        "coder deleted is deleted. Merging a package twice changes nothing, and the "
        "order of the packages does not matter. A package that is damaged, altered, "
        "from another project or of a coder the project does not have is refused, and "
        "nothing at all is merged. Every merge is recorded in the merge log."
    ),
    example="""
        annotator merge --db team.upr --dry-run amina.upr ben.upr
        annotator merge --db team.upr --as Olga amina.upr ben.upr cora.upr
        annotator merge --db team.upr --add-coders dan.upr
        """,
    args=(
        arg("files", nargs="+", type=Path, metavar="IN.upr", help="packages to merge"),
        arg("--dry-run", action="store_true", help="show what would be merged, write nothing"),
        arg(
            "--add-coders",
            action="store_true",
            help="add a package's coder whom the project does not have yet (else it is refused)",
        ),
        arg(
            "--details",
            type=int,
            default=50,
            metavar="N",
            help="list at most N changed values per package (default: %(default)s)",
        ),
    ),
    handler=_merge,
)
