"""Who is at the keyboard: the name this computer remembers, and who a command acts as.

The app and the command line share one remembered name, kept in a small JSON file in
the user's configuration folder (not in Qt's settings, so the command line reads it
without Qt). A command acts as: ``--as NAME``, else ``$ANNOTATOR_CODER``, else the
remembered name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from annotator.paths import APP_AUTHOR, APP_NAME

CODER_VARIABLE = "ANNOTATOR_CODER"


def identity_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "coder.json"


def remembered_name() -> str | None:
    try:
        data = json.loads(identity_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def remember_name(name: str) -> None:
    path = identity_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps({"name": name}, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


def acting_name(given: str | None = None) -> str | None:
    """The name a command acts as: given (--as), else $ANNOTATOR_CODER, else remembered."""
    for candidate in (given, os.environ.get(CODER_VARIABLE), remembered_name()):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return None
