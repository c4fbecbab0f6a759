"""What the app remembers between runs (QSettings): the coder, recent projects, layout."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from annotator.paths import is_url
from annotator.services import identity
from annotator.store.engine import without_password

MAX_RECENT = 8


class AppSettings:
    def __init__(self) -> None:
        self._settings = QSettings()

    @property
    def coder_name(self) -> str | None:
        """The remembered name lives outside QSettings (services.identity) so that the
        command line acts as the same person; a name only older versions stored in
        QSettings is moved there."""
        name = identity.remembered_name()
        if name is None:
            value = self._settings.value("coder/name")
            if value:
                name = str(value)
                identity.remember_name(name)
        return name

    @coder_name.setter
    def coder_name(self, name: str) -> None:
        identity.remember_name(name)
        self._settings.setValue("coder/name", name)

    def recent_projects(self) -> list[str]:
        value = self._settings.value("projects/recent") or []
        if isinstance(value, str):  # QSettings hands back a lone string for a one-item list
            value = [value]
        # Earlier versions stored server URLs with the password masked as ***, which
        # cannot be opened: those come back without it (the password is asked for).
        cleaned = [_openable(str(v)) for v in value]
        return list(dict.fromkeys(cleaned))

    def add_recent_project(self, location: str) -> None:
        location = _openable(location)
        recent = [location] + [r for r in self.recent_projects() if r != location]
        self._settings.setValue("projects/recent", recent[:MAX_RECENT])

    def remove_recent_project(self, location: str) -> None:
        recent = [r for r in self.recent_projects() if r != location]
        self._settings.setValue("projects/recent", recent)

    def last_project(self) -> str | None:
        for location in self.recent_projects():
            if "://" in location or Path(location).exists():
                return location
        return None

    def window_state(self, key: str) -> QByteArray | None:
        value = self._settings.value(f"window/{key}")
        return value if isinstance(value, QByteArray) else None

    def set_window_state(self, key: str, value: QByteArray) -> None:
        self._settings.setValue(f"window/{key}", value)

    def value(self, key: str) -> str | None:
        value = self._settings.value(key)
        return str(value) if value is not None else None

    def set_value(self, key: str, value: str) -> None:
        self._settings.setValue(key, value)

    def sync(self) -> None:
        self._settings.sync()


def _openable(location: str) -> str:
    """A recent project as it may be stored: never with a password, masked or not."""
    if not is_url(location):
        return location
    try:
        return without_password(location)
    except Exception:  # an unreadable entry is kept as it was; opening it will say why
        return location
