"""``annotator adjudicate``: the coders' disagreements, and accepting their agreements."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from annotator.cli.command import Command, arg
from annotator.cli.commands.shared import given, names


def _adjudicate(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services import command_line
    from annotator.services.coding import FieldValue
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.accept_agreements:
            count = command_line.accept_agreements(
                project, args.field, names(args.coders), given(args)
            )
            print(
                f"Accepted the coders' shared value as final for {count} "
                f"value{'s' if count != 1 else ''}."
            )
            return 0
        spec, found = command_line.disagreements(
            project,
            args.field,
            args.code,
            names(args.coders),
            include_decided=args.decided,
            given=given(args),
        )
    finally:
        project.close()
    fields = {f.id: f for f in spec.fields}

    def shown(field_id: int, value: Any) -> str:
        fspec = fields[field_id]
        if fspec.is_choice:
            return ", ".join(c.key for c in fspec.codes if c.id in value.codes) or "(no code)"
        return value.text or "(nothing)"

    for item in found:
        sides = " | ".join(f"{v.coder}: {shown(item.field_id, v.value)}" for v in item.values)
        line = f"{item.review} {item.number}  {item.field_key}  {sides}"
        if item.differing:
            line += f"  (differ: {shown(item.field_id, FieldValue(item.differing))})"
        if item.decided:
            line += f"  [decided: {shown(item.field_id, item.consensus)}]"
        print(line)
    open_count = sum(1 for item in found if not item.decided)
    print(f"{open_count} disagreement{'s' if open_count != 1 else ''} to decide.")
    return 0


ADJUDICATE = Command(
    "adjudicate",
    help="list disagreements between coders, accept agreements",
    description=(
        "List the recommendations on which coders gave different values, each coder's "
        "value side by side (decide them in the app: Disagreements). With "
        "--accept-agreements, make the shared value the final one wherever every coder "
        "agrees and nothing is decided yet; this needs an adjudicator or coordinator."
    ),
    example="""
        annotator adjudicate --db team.upr --field themes
        annotator adjudicate --db team.upr --field themes --code torture --coders Amina,Ben
        annotator adjudicate --db team.upr --accept-agreements --as "Cora"
        """,
    args=(
        arg("--field", metavar="KEY", help="only this codebook field, by key"),
        arg("--code", metavar="KEY", help="only disagreements about this code"),
        arg(
            "--coders",
            metavar="A,B",
            help="compare only these coders, by name, separated with commas",
        ),
        arg("--decided", action="store_true", help="list the disagreements already decided too"),
        arg(
            "--accept-agreements",
            action="store_true",
            help="make the coders' shared value final where they all agree",
        ),
    ),
    handler=_adjudicate,
)
