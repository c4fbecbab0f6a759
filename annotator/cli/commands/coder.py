"""``annotator coder``: the project's coders and their roles."""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.command import Command, arg
from annotator.cli.commands.shared import CODER_ROLES, acting_id
from annotator.services.identity import CODER_VARIABLE


def _coder(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services import coders
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.coder_command == "list":
            with project.session() as session:
                rows = coders.coder_rows(session, include_retired=args.retired)
                has_coordinator = bool(coders.coordinators(session))
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
        with project.write() as session:
            if args.coder_command == "set-role" and not coders.coordinators(session):
                # Claiming an empty coordinator role: the claimant joins the project (as
                # opening it in the app would) so that they can be made coordinator.
                from annotator.services.identity import acting_name

                name = acting_name(getattr(args, "as_coder", None))
                if name is not None and coders.find_coder(session, name) is None:
                    coders.get_or_create_coder(session, name)
            acting = acting_id(session, args)
            if args.coder_command == "add":
                added = [
                    coders.add_coder(session, name, args.role, by_coder_id=acting).name
                    for name in args.names
                ]
                message = f"Added {', '.join(added)} as {args.role}."
            else:
                coder = coders.coder_named(session, args.name)
                if args.coder_command == "set-role":
                    coders.set_role(session, coder.id, args.role, by_coder_id=acting)
                    message = f"{coder.name} is now {coder.role}."
                elif args.coder_command == "rename":
                    old = coder.name
                    coders.rename_coder(session, coder.id, args.new_name, by_coder_id=acting)
                    message = f"Renamed {old} to {coder.name}; their work goes with them."
                elif args.coder_command == "retire":
                    coders.retire_coder(session, coder.id, by_coder_id=acting)
                    message = f"Retired {coder.name}: their work stays, they can no longer code."
                else:
                    coders.restore_coder(session, coder.id, by_coder_id=acting)
                    message = f"{coder.name} can code again."
    finally:
        project.close()
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
