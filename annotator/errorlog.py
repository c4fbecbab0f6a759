"""Where unexpected errors go: a log file in the user's log folder, never a traceback
on the screen. The message the person sees gives the file's path."""

from __future__ import annotations

import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import platformdirs

from annotator import __version__
from annotator.paths import APP_AUTHOR, APP_NAME

LOG_NAME = "errors.log"
# The log is cut back to its newest half when it grows past this.
MAX_LOG_BYTES = 2 * 1024 * 1024


def log_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)) / LOG_NAME


def record(
    error: BaseException,
    trace: TracebackType | None = None,
    *,
    context: str = "",
) -> Path:
    """Append ``error`` with its traceback to the log; returns where it was written
    (the temporary folder if the log folder cannot be written)."""
    details = "".join(traceback.format_exception(type(error), error, trace or error.__traceback__))
    entry = (
        f"--- {datetime.now(UTC).isoformat(timespec='seconds')} UPR Coder {__version__} "
        f"(Python {sys.version.split()[0]}, {sys.platform})\n"
        + (f"{context}\n" if context else "")
        + details
        + "\n"
    )
    for target in (log_path(), Path(tempfile.gettempdir()) / f"upr-coder-{LOG_NAME}"):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists() and target.stat().st_size > MAX_LOG_BYTES:
                kept = target.read_bytes()[-MAX_LOG_BYTES // 2 :]
                target.write_bytes(kept)
            with target.open("a", encoding="utf-8") as handle:
                handle.write(entry)
            return target
        except OSError:
            continue
    return log_path()


def unexpected_message(error: BaseException, log: Path) -> str:
    """What a person reads after an error nobody foresaw (a bug)."""
    summary = f"{type(error).__name__}: {str(error)[:300]}"
    return (
        f"Something unexpected went wrong ({summary}). This is a fault in UPR Coder, not "
        f"in what you did. The details are in {log}; please send that file to whoever "
        "looks after UPR Coder for your team. Everything shown as saved is safe."
    )
