"""``annotator coder``: the project's coders and their roles."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.command import Command, arg
from annotator.cli.commands.shared import CODER_ROLES, given
from annotator.services.identity import CODER_VARIABLE


def _coder(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services import command_line
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.coder_command == "list":
            rows, has_coordinator = command_line.coders_listed(
                project, include_retired=args.retired
            )
            for row in rows:
                retired = ", retired" if row.retired else ""
                print(f"{row.name} ({row.role}{retired}): {row.coded} recommendations coded")
            if not rows:
                print("No coders yet.")
            if not has_coordinator:
                print(
                    "This project has no coordinator. To become one: annotator coder "
                    "set-role YOUR-NAME coordinator --as YOUR-NAME"
                )
            return 0
        action = args.coder_command
        done = command_line.change_coders(
            project,
            action,
            given=given(args),
            names=getattr(args, "names", ()),
            name=getattr(args, "name", ""),
            role=getattr(args, "role", ""),
            new_name=getattr(args, "new_name", ""),
        )
    finally:
        project.close()
    if action == "add":
        message = f"Added {', '.join(done.added)} as {done.role}."
    elif action == "set-role":
        message = f"{done.name} is now {done.role}."
    elif action == "rename":
        message = f"Renamed {done.old_name} to {done.name}; their work goes with them."
    elif action == "retire":
        message = f"Retired {done.name}: their work stays, they can no longer code."
    else:
        message = f"{done.name} can code again."
    print(message)
    return 0


CODER = Command(
    "coder",
    help="list the coders, add them, give them roles",
    description=(
        "The project's coders and their roles: coder (codes blind, sees only their own "
        "work), adjudicator (also sees everyone's codes and decides the final values), "
        "coordinator (also edits the codebook, assigns work, makes and merges packages, "
        "manages coders). Changing coders is a coordinator's job: say who you are with "
        f"--as NAME (or ${CODER_VARIABLE}). In a project without a coordinator, anyone "
        "can make themselves coordinator with set-role."
    ),
    example="""
        annotator coder list --db team.upr
        annotator coder add Amina --role adjudicator --db team.upr --as Cora
        annotator coder add Ben Chen Dan --db team.upr --as Cora
        annotator coder set-role Ben adjudicator --db team.upr --as Cora
        annotator coder rename "Ben" "Ben Okafor" --db team.upr --as Cora
        annotator coder retire "Ben Okafor" --db team.upr --as Cora
        annotator coder set-role Cora coordinator --as Cora   # no coordinator yet
        """,
    actions=(
        Command(
            "list",
            help="the coders and their roles",
            args=(
                arg(
                    "--retired",
                    action="store_true",
                    help="list retired coders too (their work stays)",
                ),
            ),
        ),
        Command(
            "add",
            help="add coders (all with one role)",
            args=(
                arg("names", nargs="+", metavar="NAME"),
                arg("--role", default="coder", choices=CODER_ROLES, help="(default: coder)"),
            ),
        ),
        Command(
            "set-role",
            help="give a coder a role",
            args=(arg("name", metavar="NAME"), arg("role", choices=CODER_ROLES)),
        ),
        Command(
            "rename",
            help="change a coder's name",
            args=(arg("name", metavar="NAME"), arg("new_name", metavar="NEW-NAME")),
        ),
        Command(
            "retire",
            help="stop a coder coding; their work stays",
            args=(arg("name", metavar="NAME"),),
        ),
        Command("restore", help="bring a retired coder back", args=(arg("name", metavar="NAME"),)),
    ),
    handler=_coder,
)
