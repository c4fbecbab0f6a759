"""The ``annotator`` command: the app by default, subcommands for batch work.

This package sits at the top of the layers: it may start the GUI, and nothing imports
it. ``parser`` builds the command line from the declarations in ``commands/`` (one
module per kind of work, each declaring its commands next to their handlers); ``run``
parses, dispatches and turns errors into messages and exit statuses.
"""

from annotator.cli.run import main

__all__ = ["main"]
