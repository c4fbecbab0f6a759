"""What a command of the ``annotator`` program is, declared as data.

Each command module declares its commands as ``Command`` values (name, help, arguments,
handler); ``annotator.cli.parser`` turns the list into argparse parsers. Adding a
command is one ``Command`` in one module, listed in ``annotator.cli.commands``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A command's handler: (the --db target, the parsed arguments) -> exit status.
Handler = Callable[[str | Path, argparse.Namespace], int]


@dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call: its flags (or name) and its keyword options."""

    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class Command:
    """A subcommand (or an action of one, such as ``review set``).

    ``example`` is the epilog's text (dedented); ``actions`` are the ACTIONs a command
    takes (their choice lands in ``args.<name>_command``); only a top-level command has
    a handler, which dispatches on its action itself.
    """

    name: str
    help: str
    description: str | None = None
    example: str | None = None
    args: tuple[Arg, ...] = ()
    actions: tuple[Command, ...] = ()
    handler: Handler | None = None
