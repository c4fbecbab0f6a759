"""The main window: the project's recommendations, the File menu and the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, QMimeData, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTextBrowser,
)

from annotator import __version__
from annotator.gui.import_dialog import ImportDialog
from annotator.gui.recommendation_model import COLUMNS, RecommendationTableModel
from annotator.gui.settings import AppSettings
from annotator.paths import PROJECT_SUFFIX
from annotator.services.coders import get_or_create_coder
from annotator.services.projects import init_project
from annotator.store.errors import ProjectError
from annotator.store.project import Project, open_project

FILE_FILTER = f"UPR Coder projects (*{PROJECT_SUFFIX});;All files (*)"
ROW_HEIGHT_PADDING = 8
COLUMN_WIDTHS = {"number": 70, "review": 110, "recommending": 190, "response": 100, "status": 95}


class MainWindow(QMainWindow):
    def __init__(self, project: Project, coder_name: str, settings: AppSettings) -> None:
        super().__init__()
        self.settings = settings
        self.coder_name = coder_name
        self.project: Project | None = None
        self.model: RecommendationTableModel | None = None

        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        vertical = self.table.verticalHeader()
        # A fixed row height: sizing rows to contents reads every row of the project.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + ROW_HEIGHT_PADDING)
        vertical.setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setHighlightSections(False)

        self.reader = QTextBrowser()
        self.reader.setOpenExternalLinks(True)
        self.reader.setPlaceholderText("Select a recommendation to read it in full.")
        self.reader.document().setDocumentMargin(12)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.reader)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.file_label = QLabel()
        self.coder_label = QLabel()
        self.count_label = QLabel()
        for label in (self.file_label, self.coder_label, self.count_label):
            label.setContentsMargins(6, 0, 6, 0)
        self.statusBar().addWidget(self.file_label, 1)
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().addPermanentWidget(self.coder_label)

        self._build_menus()
        self.setAcceptDrops(True)
        self.resize(1180, 760)
        geometry = settings.window_state("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter_state = settings.window_state("main_splitter")
        if splitter_state is not None:
            self.splitter.restoreState(splitter_state)
        self.set_project(project)

    # -- menus -----------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = self._action(
            "&New project…", QKeySequence.StandardKey.New, self.new_project
        )
        self.open_action = self._action(
            "&Open project…", QKeySequence.StandardKey.Open, self.open_dialog
        )
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.import_action = self._action("&Import…", QKeySequence("Ctrl+I"), self.import_files)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&About UPR Coder", None, self.about))

    def _action(self, text: str, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setToolTip(
                f"{text.replace('&', '').rstrip('…')} ({QKeySequence(shortcut).toString()})"
            )
        action.triggered.connect(slot)
        return action

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_projects()
        if not recent:
            empty = self.recent_menu.addAction("No recent projects")
            empty.setEnabled(False)
        for location in recent:
            action = self.recent_menu.addAction(location)
            action.triggered.connect(lambda _=False, where=location: self.open_location(where))

    # -- projects --------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        with project.write() as session:
            coder = get_or_create_coder(session, self.coder_name)
            coder_id = coder.id
        old = self.project
        self.project = project
        self.coder_id = coder_id
        self.model = RecommendationTableModel(project, coder_id, self)
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        header = self.table.horizontalHeader()
        for column, (key, _label) in enumerate(COLUMNS):
            if key in COLUMN_WIDTHS:
                header.resizeSection(column, COLUMN_WIDTHS[key])
        self.reader.clear()
        if old is not None and old is not project:
            old.close()
        self.settings.add_recent_project(project.display_name)
        self.setWindowTitle(f"UPR Coder — {self._short_name(project)}")
        self.file_label.setText(f"Project: {project.display_name}")
        self.coder_label.setText(f"Coder: {self.coder_name}")
        self.count_label.setText(f"{self.model.rowCount():,} recommendations")
        self.import_action.setEnabled(True)
        if self.model.rowCount():
            self.table.selectRow(0)

    @staticmethod
    def _short_name(project: Project) -> str:
        return project.path.name if project.path else project.display_name

    def new_project(self) -> None:
        location, _ = QFileDialog.getSaveFileName(self, "New project", "", FILE_FILTER)
        if not location:
            return
        path = Path(location)
        if not path.suffix:
            path = path.with_suffix(PROJECT_SUFFIX)
        try:
            project = init_project(path)
        except ProjectError as error:
            self.show_error("The project could not be created", str(error))
            return
        self.set_project(project)

    def open_dialog(self) -> None:
        location, _ = QFileDialog.getOpenFileName(self, "Open project", "", FILE_FILTER)
        if location:
            self.open_location(location)

    def open_location(self, location: str) -> bool:
        try:
            project = open_project(location)
        except ProjectError as error:
            self.show_error("The project could not be opened", str(error))
            if not Path(location).exists() and "://" not in location:
                self.settings.remove_recent_project(location)
            return False
        self.set_project(project)
        return True

    def show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        QMessageBox.warning(self, title, message)

    # -- reading pane ----------------------------------------------------------------
    def _show_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes or self.model is None:
            return
        row = self.model.row(indexes[0].row())
        if row is None:
            return
        position = ""
        if row.position and row.position.casefold() != row.response.casefold():
            position = f" <span style='color:gray'>(normalised: {_escape(row.position)})</span>"
        parts = [
            f"<p style='color:gray'><b>Recommendation {_escape(row.number)}</b>"
            f" · {_escape(row.review)}</p>",
            f"<p style='font-size:large; line-height:140%'>{_escape(row.text)}</p>",
            f"<p>Recommended by: <b>{_escape(row.recommending) or 'not recorded'}</b></p>",
            f"<p>Response as published: <b>{_escape(row.response) or 'not recorded'}</b>"
            f"{position}</p>",
        ]
        self.reader.setHtml("".join(parts))

    # -- importing -------------------------------------------------------------------
    def import_files(self, _checked: bool = False, files: list[Path] | None = None) -> ImportDialog:
        dialog = ImportDialog(self.project, self.settings, files, self)
        dialog.imported.connect(self._after_import)
        dialog.open()
        return dialog

    def _after_import(self, plan) -> None:
        self.refresh()
        new = plan.count("new")
        self.statusBar().showMessage(
            f"Imported {new:,} new recommendations; {plan.count('updated'):,} updated.", 15_000
        )

    def refresh(self) -> None:
        if self.model is None:
            return
        self.model.refresh()
        self.count_label.setText(f"{self.model.rowCount():,} recommendations")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = _local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.import_files(files=files)

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About UPR Coder",
            f"<b>UPR Coder {__version__}</b><p>Code the recommendations of the UN "
            "Universal Periodic Review: tag their themes and verify the responses "
            "states gave.</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set_window_state("geometry", self.saveGeometry())
        self.settings.set_window_state("main_splitter", self.splitter.saveState())
        self.settings.sync()
        if self.project is not None:
            self.project.close()
        super().closeEvent(event)


def _local_files(mime: QMimeData) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
