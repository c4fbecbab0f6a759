"""Opening a project on a server that wants a password: ask for it, never store it.

Recent projects keep server URLs without their password. When the server wants one
that neither PGPASSWORD nor the PostgreSQL password file (~/.pgpass) gives, a small
dialog asks for it; it goes into this one connection's URL and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from annotator.store.engine import server_address, with_password, without_password
from annotator.store.errors import PasswordNeeded, ProjectError
from annotator.store.project import Project, open_project

# A person who cancels or keeps typing a wrong password is not asked forever.
MAX_ASKS = 3
AskFn = Callable[[str, str], str | None]


def password_dialog(
    login_and_server: str, warning: str, parent: QWidget | None = None
) -> QInputDialog:
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Password for the team server")
    text = (
        f"The password of {login_and_server}.\n"
        "It is used for this connection only and never stored."
    )
    if warning:
        text = f"{warning}\n\n{text}"
    dialog.setLabelText(text)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setMinimumWidth(420)
    return dialog


def ask_password(login_and_server: str, warning: str, parent: QWidget | None = None) -> str | None:
    """The password typed, or None if the person cancelled."""
    dialog = password_dialog(login_and_server, warning, parent)
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    return dialog.textValue() or None


def open_asking_password(
    location: str | Path,
    parent: QWidget | None = None,
    *,
    ask: AskFn | None = None,
    opener: Callable[[str | Path], Project] = open_project,
) -> Project:
    """Open the project; if its server wants a password, ask for it (up to MAX_ASKS times).

    Raises ProjectError (PasswordNeeded when the person gave up) like ``open_project``.
    """
    asker = ask or (lambda who, warning: ask_password(who, warning, parent))
    try:
        return opener(location)
    except PasswordNeeded as needed:
        first = needed
    base = without_password(str(location))
    warning = "The server refused that password." if first.refused and base != str(location) else ""
    for _attempt in range(MAX_ASKS):
        password = asker(_who(base), warning)
        if password is None:
            raise ProjectError(f"No password was given for {base}, so it was not opened.")
        try:
            return opener(with_password(base, password))
        except PasswordNeeded:
            warning = "The server refused that password. Try again."
    raise ProjectError(f"The server refused the password for {base} {MAX_ASKS} times.")


def _who(url: str) -> str:
    where = server_address(url)
    server = where.host or "the server"
    login = where.login or "your login"
    return f"{login} on {server}" + (f" (database {where.database})" if where.database else "")
