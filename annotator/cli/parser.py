"""The ``annotator`` command line's parser, built from the commands' declarations."""

from __future__ import annotations

import argparse
import textwrap

from annotator import __version__
from annotator.cli.command import Command
from annotator.cli.commands import COMMANDS
from annotator.paths import default_project_path
from annotator.services.identity import CODER_VARIABLE

DB_HELP = (
    "the project: a .upr file or a database URL such as "
    "postgresql+psycopg://user@host/db (default: $ANNOTATOR_DB, else %(default_path)s)"
)


def epilog(text: str) -> str:
    return "example:\n" + textwrap.indent(textwrap.dedent(text).strip(), "  ")


def build_parser() -> argparse.ArgumentParser:
    db_help = DB_HELP % {"default_path": default_project_path()}
    # --db may come before the command or after it. The subcommands' copy of the option
    # leaves the namespace alone when it is not given (SUPPRESS); with a default of its
    # own it would overwrite a --db given before the command with None.
    top = argparse.ArgumentParser(add_help=False)
    top.add_argument("--db", metavar="PATH_OR_URL", help=db_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH_OR_URL", help=db_help, default=argparse.SUPPRESS)
    # --as, too, before or after the command; SUPPRESS in both places, so that neither
    # copy resets a value the other was given.
    for parser_ in (top, common):
        parser_.add_argument(
            "--as",
            dest="as_coder",
            metavar="NAME",
            default=argparse.SUPPRESS,
            help=f"who you are: the coder this command acts as (default: ${CODER_VARIABLE}, "
            "else the name UPR Coder remembers on this computer)",
        )

    parser = argparse.ArgumentParser(
        prog="annotator",
        description=(
            "UPR Coder: code UN Universal Periodic Review recommendations. "
            "With no command it opens the app."
        ),
        parents=[top],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=epilog(
            """
            annotator                       # open the app on your last project
            annotator --coder "Amina K."    # open it as this coder without asking
            annotator init --sample --db china.upr
            annotator info --db china.upr
            """
        ),
    )
    parser.add_argument("--version", action="version", version=f"UPR Coder {__version__}")
    parser.add_argument("--coder", metavar="NAME", help="open the app as this coder")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        _add(commands, command, common)
    return parser


def _add(
    group: argparse._SubParsersAction, command: Command, common: argparse.ArgumentParser
) -> None:
    """One command's parser; every one takes --db and --as (``common``), before or after."""
    sub = group.add_parser(
        command.name,
        parents=[common],
        help=command.help,
        description=command.description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=epilog(command.example) if command.example else None,
    )
    for argument in command.args:
        sub.add_argument(*argument.flags, **argument.options)
    if command.actions:
        actions = sub.add_subparsers(
            dest=f"{command.name}_command", metavar="ACTION", required=True
        )
        for action in command.actions:
            _add(actions, action, common)
