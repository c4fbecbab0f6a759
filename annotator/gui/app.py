"""Starting the app: which project, which coder, then the main window."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from annotator import __version__, errorlog
from annotator.gui import first_run, theme
from annotator.gui.main_window import MainWindow
from annotator.gui.server_password import open_asking_password
from annotator.gui.settings import AppSettings
from annotator.importers.files import SourceFileError
from annotator.paths import APP_AUTHOR, APP_NAME, default_project_path, resource_path
from annotator.services.coders import clean_name
from annotator.services.projects import init_project
from annotator.store.errors import ProjectBusy, ProjectError, file_failure
from annotator.store.project import Project


def configure_application(app: QCoreApplication) -> None:
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    if isinstance(app, QApplication):
        # An SVG icon stays sharp on high-DPI screens.
        app.setWindowIcon(QIcon(str(resource_path("icons", "upr-coder.svg"))))


def show_unexpected_error(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """A bug must not end the session with a traceback on a console nobody watches:
    the coder sees what happened in a window (their saved work is already on disk), and
    the traceback goes to the log file the window names.

    Failures a person can cause (a read-only project, a full disk, a locked or damaged
    file) arrive as ProjectError or SourceFileError: they get their own message only."""
    if isinstance(error, ProjectError | ProjectBusy | SourceFileError):
        QMessageBox.warning(None, "UPR Coder", str(error))
        return
    if isinstance(error, OSError) and (sentence := file_failure(error)):
        QMessageBox.warning(None, "UPR Coder", sentence)
        return
    log = errorlog.record(error, trace, context="in the app")
    details = "".join(traceback.format_exception(kind, error, trace))
    print(details, file=sys.stderr)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "UPR Coder: something went wrong",
        errorlog.unexpected_message(error, log),
    )
    box.setDetailedText(details)
    box.exec()


def choose_project_location(db: str | None, settings: AppSettings) -> str | Path:
    """--db, else $ANNOTATOR_DB, else the last project used, else the default project."""
    if db:
        return db
    if os.environ.get("ANNOTATOR_DB"):
        return os.environ["ANNOTATOR_DB"]
    return settings.last_project() or default_project_path()


def open_or_create(location: str | Path, coder: str | None = None) -> Project:
    """Open the project; the default project is created, with the sample, on first run
    (``coder``, who creates it, is its coordinator)."""
    is_file = "://" not in str(location)
    if is_file and not Path(location).exists() and Path(location) == default_project_path():
        return init_project(location, sample=True, coordinator=coder)
    return open_asking_password(location)


def ask_coder_name(settings: AppSettings, parent=None) -> str | None:
    """Ask once for the coder's name and remember it."""
    while True:
        name, ok = QInputDialog.getText(
            parent,
            "Welcome to UPR Coder",
            "Your name, as it should appear on the recommendations you code:",
            QLineEdit.EchoMode.Normal,
            "",
        )
        if not ok:
            return None
        try:
            cleaned = clean_name(name)
        except ValueError as error:
            QMessageBox.warning(parent, "UPR Coder", str(error))
            continue
        settings.coder_name = cleaned
        return cleaned


def start_main_window(db: str | None, coder: str | None, settings: AppSettings) -> MainWindow:
    """Everything `annotator` does before the event loop, raising ProjectError on failure."""
    name = clean_name(coder) if coder else settings.coder_name
    if name is None:
        name = ask_coder_name(settings)
        if name is None:
            raise ProjectError("UPR Coder needs your name to start.")
    elif coder:
        settings.coder_name = name
    project = open_or_create(choose_project_location(db, settings), name)
    return MainWindow(project, name, settings)


def run(db: str | None = None, coder: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)
    sys.excepthook = show_unexpected_error
    settings = AppSettings()
    theme.apply(settings.value("view/theme") or "system")
    try:
        window = start_main_window(db, coder, settings)
    except (ProjectError, ValueError) as error:
        QMessageBox.critical(None, "UPR Coder", str(error))
        print(f"annotator: {error}", file=sys.stderr)
        return 1
    window.show()
    first_run.show_once(settings, window)
    return app.exec()
