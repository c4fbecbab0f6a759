"""The ``annotator`` program's subcommands, in the order ``--help`` lists them.

Each module declares its commands (``annotator.cli.command.Command``) next to their
handlers. A module here imports only what building the parser needs: a handler loads
the database and the services when it runs, so ``annotator --help`` stays quick.
"""

from __future__ import annotations

from annotator.cli.command import Command, Handler
from annotator.cli.commands.adjudicate import ADJUDICATE
from annotator.cli.commands.coder import CODER
from annotator.cli.commands.db import DB
from annotator.cli.commands.export import EXPORT, IMPORT_CODES
from annotator.cli.commands.importing import IMPORT
from annotator.cli.commands.irr import IRR
from annotator.cli.commands.packages import MERGE, PACKAGE
from annotator.cli.commands.project import INFO, INIT
from annotator.cli.commands.review import REVIEW
from annotator.cli.commands.stats import STATS

COMMANDS: tuple[Command, ...] = (
    INIT,
    INFO,
    IMPORT,
    IRR,
    ADJUDICATE,
    EXPORT,
    IMPORT_CODES,
    STATS,
    PACKAGE,
    MERGE,
    DB,
    REVIEW,
    CODER,
)

# Each subcommand's handler: (the --db target, the parsed arguments) -> exit status.
HANDLERS: dict[str, Handler] = {
    command.name: command.handler for command in COMMANDS if command.handler is not None
}
