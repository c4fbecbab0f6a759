"""The error every importer raises for a file it cannot read at all.

Its own module so that the file checks (``files``) and the container checks
(``containers``), which call each other, both raise it without importing each other."""

from __future__ import annotations


class SourceFileError(ValueError):
    """A file that cannot be imported at all; the message names it and says why."""
