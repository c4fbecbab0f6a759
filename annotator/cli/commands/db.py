"""``annotator db``: copy a project between a file and a server; team server logins."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotator.cli.command import Command, arg


def _db(target: str | Path, args: argparse.Namespace) -> int:
    if args.db_command == "copy":
        return _db_copy(target, args)
    from annotator.services import server_logins
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.db_command == "secure":
            secured = server_logins.secure_project(project)
            print(f"Secured {project.location}: the server now keeps coders blind.")
            for role, group in secured.groups.items():
                print(f"  {role}s: group role {group}")
            print(f"Logins brought in line with their coders' roles: {secured.logins}")
            if secured.unknown_tables:
                unknown = ", ".join(secured.unknown_tables)
                print(
                    "Tables this version does not know, readable by coders only for their "
                    f"own rows and changed only by coordinators: {unknown}"
                )
        elif args.db_command == "grant":
            password = None
            if args.create_login and sys.stdin.isatty():
                import getpass

                password = getpass.getpass(f"Password for the new login {args.login}: ")
                if getpass.getpass("Again: ") != password:
                    raise ValueError("The two passwords differ; nothing was changed.")
            done = server_logins.grant_login(
                project, args.login, args.coder, create_login=args.create_login, password=password
            )
            if done.created_login:
                how = "." if password else " without a password (set one: ALTER ROLE ... PASSWORD)."
                print(f"Created the login {done.login}{how}")
            if done.created_coder:
                print(f"Added {done.coder} to the project's coders, as a coder.")
            print(
                f"The login {done.login} now codes as {done.coder} ({done.role}; "
                f"server group {done.group})."
            )
        elif args.db_command == "revoke":
            if server_logins.revoke_login(project, args.login):
                print(f"The login {args.login} is no longer linked to a coder; their work stays.")
            else:
                print(f"The login {args.login} was not linked to a coder; nothing changed.")
        else:
            rows = server_logins.list_logins(project)
            if not rows:
                print("No login is linked to a coder yet: use 'annotator db grant'.")
            for row in rows:
                line = f"{row.login}: {row.coder} ({row.role})"
                if not row.in_line:
                    line += (
                        f", but the server has the login as {row.server_role or 'nothing'}: "
                        "run 'annotator db secure' to bring it in line"
                    )
                print(line)
    finally:
        project.close()
    return 0


def _db_copy(_target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.db_copy import copy_project
    from annotator.services.identity import acting_name

    report = copy_project(
        args.source, args.destination, by_coder=acting_name(getattr(args, "as_coder", None))
    )
    print(f"Copied {report.rows:,} records in {len(report.tables)} parts to {args.destination}")
    print("Checked: every part has the same count and checksum on both sides.")
    return 0


DB = Command(
    "db",
    help="move a project between a file and a server; team server logins",
    description=(
        "Copy a whole project, every record with its identity, from a SQLite file to a "
        "PostgreSQL server or back (the target must be a new file or an empty database; "
        "the copy is checked table by table). On a server, give each person their own "
        "login: 'secure' installs the rules by which the server itself keeps coders "
        "blind, 'grant' links a login to a coder and gives it that coder's role."
    ),
    example="""
        annotator db copy --from team.upr --to postgresql+psycopg://coord@server/upr
        annotator db copy --from postgresql+psycopg://coord@server/upr --to backup.upr
        annotator db grant --db postgresql+psycopg://coord@server/upr \\
          --login amina --coder Amina
        annotator db logins --db postgresql+psycopg://coord@server/upr
        """,
    actions=(
        Command(
            "copy",
            help="copy a project into a new database and verify it",
            example="annotator db copy --from team.upr --to postgresql+psycopg://u@h/db",
            args=(
                arg("--from", dest="source", required=True, metavar="PATH_OR_URL"),
                arg("--to", dest="destination", required=True, metavar="PATH_OR_URL"),
            ),
        ),
        Command(
            "secure",
            help="install the team server's roles and row-level security (as the owner)",
            description=(
                "Create the project's three group roles on the server (coder, adjudicator, "
                "coordinator), grant each what its role may change, and turn on row-level "
                "security so that a coder's login sees and changes only that coder's work. "
                "Run it as the owner of the database; run it again after updating UPR Coder "
                "or changing someone's role, to bring the server in line. 'db grant' runs it "
                "too."
            ),
            example="annotator db secure --db postgresql+psycopg://coord@server/upr",
        ),
        Command(
            "grant",
            help="link a server login to a coder and give it the coder's role",
            description=(
                "Link a PostgreSQL login to a coder of the project (a new name is added as a "
                "plain coder) and put the login in the group of that coder's role. Whoever "
                "connects with the login then codes as that coder, whatever name their laptop "
                "remembers, and the server shows them only what their role allows. Run it as "
                "the owner of the database."
            ),
            example="""
                annotator db grant --db postgresql+psycopg://coord@server/upr \\
                  --login amina --coder "Amina K."
                annotator db grant --db postgresql+psycopg://coord@server/upr \\
                  --login ben --coder Ben --create-login
                """,
            args=(
                arg("--login", required=True, metavar="LOGIN", help="the PostgreSQL login"),
                arg("--coder", required=True, metavar="NAME", help="the coder it codes as"),
                arg(
                    "--create-login",
                    action="store_true",
                    help="create the login if the server has none of that name (asks for its "
                    "password when run in a terminal)",
                ),
            ),
        ),
        Command(
            "revoke",
            help="unlink a server login from its coder (the coder's work stays)",
            example="annotator db revoke --db postgresql+psycopg://coord@h/upr --login ben",
            args=(arg("--login", required=True, metavar="LOGIN"),),
        ),
        Command(
            "logins",
            help="list the server logins, their coders and roles",
            example="annotator db logins --db postgresql+psycopg://coord@server/upr",
        ),
    ),
    handler=_db,
)
