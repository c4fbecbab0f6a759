"""Where the app finds what it ships (resources, migrations) and where it keeps user data.

In a wheel, ``resources/`` and ``db/`` are packed as ``annotator/_resources`` and
``annotator/_db``; in a source checkout (editable install, tests) they sit at the top
of the repository. Both cases are looked up here and nowhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "UPR Coder"
APP_AUTHOR = "UPR Coder"
PROJECT_SUFFIX = ".upr"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped_dir(packed: str, top_level: str) -> Path:
    inside = _PACKAGE_DIR / packed
    if inside.is_dir():
        return inside
    beside = _PACKAGE_DIR.parent / top_level
    if beside.is_dir():
        return beside
    raise FileNotFoundError(
        f"UPR Coder is incomplete: its '{top_level}' folder was not found "
        f"(looked in {inside} and {beside}). Reinstall the app."
    )


def resources_dir() -> Path:
    return _shipped_dir("_resources", "resources")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def migrations_dir() -> Path:
    return _shipped_dir("_db", "db")


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def is_url(location: str | Path) -> bool:
    """Whether a project location is a database URL (anything with ``://``), not a file."""
    return "://" in str(location)


def default_project_location() -> str | Path:
    """The project used when none is named: ANNOTATOR_DB as given (a file path or a
    database URL, which must not be turned into a path), else the default file."""
    env = os.environ.get("ANNOTATOR_DB", "").strip()
    if env:
        return env if is_url(env) else Path(env)
    return default_project_path()


def default_project_path() -> Path:
    """The project file opened when none is named and ANNOTATOR_DB holds no URL."""
    env = os.environ.get("ANNOTATOR_DB", "").strip()
    if env and not is_url(env):
        return Path(env)
    return user_data_dir() / f"project{PROJECT_SUFFIX}"
