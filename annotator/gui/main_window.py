"""The coding workspace: the queue, the recommendation being read, and the coding form.

Every change a coder makes is saved through ``CodingService`` the moment it is made,
inside an undoable command; the status bar says "Saved" only after the commit.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QItemSelection, QMimeData, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator import __version__
from annotator.gui import theme
from annotator.gui.coding_commands import SessionSignals, SetStatus, SetValue
from annotator.gui.coding_form import CodingForm
from annotator.gui.import_dialog import ImportDialog
from annotator.gui.queue_panel import QueuePanel
from annotator.gui.reading_pane import render_recommendation
from annotator.gui.recommendation_model import COLUMNS, RecommendationTableModel
from annotator.gui.server_password import open_asking_password
from annotator.gui.settings import AppSettings
from annotator.gui.shortcuts import BY_ID, PreferencesDialog, ShortcutsHelp, bindings, shown
from annotator.paths import PROJECT_SUFFIX
from annotator.services import coding_seat, permissions
from annotator.services.coding import (
    FieldValue,
    FormSpec,
    InvalidValue,
    Status,
)
from annotator.services.coding_session import (
    Change,
    CodingSession,
    Pending,
    StatusChange,
    ValueChange,
)
from annotator.services.packages import package_marker
from annotator.services.projects import init_project
from annotator.store.errors import (
    ProjectError,
    read_only_message,
)
from annotator.store.project import Project

FILE_FILTER = f"UPR Coder projects (*{PROJECT_SUFFIX});;All files (*)"
ROW_HEIGHT_PADDING = 8
COLUMN_WIDTHS = {"number": 64, "review": 96, "recommending": 150, "response": 86, "status": 84}
RETRY_MS = 2_000
# How long one save from the window waits for another program's write lock.
GUI_BUSY_TIMEOUT_MS = 250
# How long closing waits for changes still pending before it asks the coder.
CLOSE_WAIT_SECONDS = 1.0
STATUS_WORDS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "done": "done",
    "flagged": "flagged",
    "skipped": "skipped",
}
SEES_OTHERS = permissions.DECIDERS
# Menu actions a role may lack, and the rule that decides (the services apply the same).
ROLE_ACTIONS = {
    "edit_codebook": permissions.EDIT_CODEBOOK,
    "assign": permissions.ASSIGN_WORK,
    "create_packages": permissions.MAKE_PACKAGES,
    "merge_packages": permissions.MERGE,
    "others": permissions.SEE_OTHERS,
    "disagreements": permissions.SEE_OTHERS,
    "reliability": permissions.MEASURE,
}


class MainWindow(QMainWindow):
    def __init__(self, project: Project, coder_name: str, settings: AppSettings) -> None:
        super().__init__()
        self.settings = settings
        self.coder_name = coder_name
        self.project: Project | None = None
        self.model: RecommendationTableModel | None = None
        self.service: CodingSession | None = None
        self.current_id: int | None = None
        self.coder_role = "coder"
        self.show_others = False
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)
        self.session_signals = SessionSignals(self)
        self.session_signals.saved.connect(self._change_saved)
        self.session_signals.pending.connect(self._change_pending)
        self.session_signals.failed.connect(self._change_refused)
        self._timer = QElapsedTimer()
        self.zoom = int(settings.value("view/zoom") or 0)
        # Off by default: many keywords are common words, and a calm page reads faster.
        self.highlight_keywords = (settings.value("view/highlight") or "0") == "1"

        self.queue = QueuePanel(self)
        self.table: QTableView = self.queue.table
        self._setup_table()
        self.reader = QTextBrowser()
        self.reader.setOpenExternalLinks(True)
        self.reader.setPlaceholderText("Select a recommendation to read it in full.")
        self.reader.document().setDocumentMargin(14)
        self.form = CodingForm()
        self.form.edited.connect(self._edited)
        self.form.leave_text_box = self._leave_text_box
        self.status_line = QLabel()
        self.status_line.setWordWrap(True)
        self.status_line.setContentsMargins(10, 4, 10, 4)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.status_line)
        right_layout.addWidget(self.form, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.queue)
        self.splitter.addWidget(self.reader)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setSizes([560, 420, 420])
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self._build_offer())
        central_layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.saved_label = QLabel()
        self.file_label = QLabel()
        self.coder_label = QLabel()
        self.count_label = QLabel()
        for label in (self.saved_label, self.file_label, self.coder_label, self.count_label):
            label.setContentsMargins(6, 0, 6, 0)
        self.statusBar().addWidget(self.saved_label)
        self.statusBar().addWidget(self.file_label, 1)
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().addPermanentWidget(self.coder_label)
        self.retry_timer = QTimer(self)
        self.retry_timer.setInterval(RETRY_MS)
        self.retry_timer.timeout.connect(self._retry_pending)

        self.actions_by_id: dict[str, QAction] = {}
        self._dialogs: list[QDialog] = []
        self.code_actions: list[QAction] = []
        self._build_menus()
        self.setAcceptDrops(True)
        self.resize(1400, 860)
        geometry = settings.window_state("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.queue.filter_changed.connect(self._filter_changed)
        self._apply_zoom()
        self.set_project(project)
        # After the panes have their content, so their minimum sizes do not move it.
        splitter_state = settings.window_state("main_splitter")
        if splitter_state is not None:
            self.splitter.restoreState(splitter_state)

    def _setup_table(self) -> None:
        table = self.table
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setSortingEnabled(False)  # the header click sorts in SQL (see below)
        vertical = table.verticalHeader()
        # A fixed row height: sizing rows to contents reads every row of the project.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + ROW_HEIGHT_PADDING)
        vertical.setVisible(False)
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.sortIndicatorChanged.connect(self._sort)

    # -- menus and shortcuts --------------------------------------------------------------
    def _build_menus(self) -> None:
        keys = bindings(self.settings)
        act = self._action

        file_menu = self.menuBar().addMenu("&File")
        self.new_action = act("new", self.new_project, keys)
        self.open_action = act("open", self.open_dialog, keys)
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.import_action = act("import", self.import_files, keys)
        file_menu.addAction(self.import_action)
        file_menu.addAction(act("reviews", self.reviews, keys))
        file_menu.addAction(act("export", self.export, keys))
        packages = file_menu.addMenu("Coder &packages")
        packages.addAction(act("create_packages", self.create_packages, keys))
        packages.addAction(act("merge_packages", self.merge_packages, keys))
        file_menu.addSeparator()
        file_menu.addAction(act("quit", self.close, keys))

        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = act("undo", self.undo_stack.undo, keys)
        self.redo_action = act("redo", self.undo_stack.redo, keys)
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(act("preferences", self.preferences, keys))

        go = self.menuBar().addMenu("&Go")
        for action_id, slot in (
            ("next", self.go_next),
            ("previous", self.go_previous),
            ("next_not_done", self.go_next_not_done),
            ("queue", self.focus_queue),
            ("search", self.focus_search),
            ("refresh", self.refresh),
        ):
            go.addAction(act(action_id, slot, keys))

        coding = self.menuBar().addMenu("&Coding")
        for action_id, slot in (
            ("done_next", self.done_and_next),
            ("flag", self.flag),
            ("skip", self.skip),
            ("theme_filter", self.focus_theme_filter),
            ("notes", self.focus_notes),
        ):
            coding.addAction(act(action_id, slot, keys))
        coding.addSeparator()
        self.others_action = act("others", self.toggle_others, keys)
        self.others_action.setCheckable(True)
        coding.addAction(self.others_action)

        codebook = self.menuBar().addMenu("Code&book")
        codebook.addAction(act("edit_codebook", self.edit_codebook, keys))
        coders = self.menuBar().addMenu("Co&ders")
        coders.addAction(act("manage_coders", self.manage_coders, keys))
        coders.addAction(act("assign", self.assign, keys))
        reliability = self.menuBar().addMenu("&Reliability")
        reliability.addAction(act("reliability", self.reliability_report, keys))
        self.disagreements_action = act("disagreements", self.disagreements, keys)
        reliability.addAction(self.disagreements_action)
        reliability.addSeparator()
        reliability.addAction(act("analysis", self.analysis, keys))

        view = self.menuBar().addMenu("&View")
        view.addAction(act("zoom_in", lambda: self.change_zoom(1), keys))
        view.addAction(act("zoom_out", lambda: self.change_zoom(-1), keys))
        self.highlight_action = QAction("Highlight codebook keywords", self)
        self.highlight_action.setCheckable(True)
        self.highlight_action.setChecked(self.highlight_keywords)
        self.highlight_action.toggled.connect(self._toggle_highlight)
        view.addAction(self.highlight_action)
        theme_menu = view.addMenu("&Theme")
        for name in theme.THEMES:
            action = theme_menu.addAction(name.capitalize())
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(act("shortcuts_help", self.shortcuts_help, keys))
        about = QAction("&About UPR Coder", self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)

    def _action(self, action_id: str, slot, keys: dict[str, str]) -> QAction:
        spec = BY_ID[action_id]
        action = QAction(spec.label, self)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self._set_key(action, spec.label, keys[action_id])
        action.triggered.connect(lambda _=False: slot())
        self.addAction(action)  # shortcuts work with the menu bar hidden too
        self.actions_by_id[action_id] = action
        return action

    @staticmethod
    def _set_key(action: QAction, label: str, key: str) -> None:
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{label} ({shown(key)})" if key else label)

    def _apply_bindings(self) -> None:
        keys = bindings(self.settings)
        for action_id, action in self.actions_by_id.items():
            self._set_key(action, BY_ID[action_id].label, keys[action_id])

    def _build_code_actions(self, spec: FormSpec) -> None:
        """One window-wide action per code shortcut of the codebook."""
        for action in self.code_actions:
            self.removeAction(action)
            action.deleteLater()
        self.code_actions = []
        for field in spec.fields:
            for code in field.codes:
                if not code.shortcut or code.retired:
                    continue
                action = QAction(f"{field.label}: {code.label}", self)
                action.setShortcut(QKeySequence(code.shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                action.triggered.connect(lambda _=False, cid=code.id: self.toggle_code(cid))
                self.addAction(action)
                self.code_actions.append(action)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_projects()
        if not recent:
            empty = self.recent_menu.addAction("No recent projects")
            empty.setEnabled(False)
        for location in recent:
            action = self.recent_menu.addAction(location)
            action.triggered.connect(lambda _=False, where=location: self.open_location(where))

    # -- projects -------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        # A package is its coder's, whatever name this computer remembers: work done in
        # it is theirs, so that the merge brings it back under their name. A server login
        # linked to a coder is that coder, whatever name this laptop remembers.
        marker = package_marker(project)
        seat = coding_seat.open_seat(project, self.coder_name)
        coder_id, self.coder_role = seat.coder_id, seat.role
        self.acting_name, self.coder_retired = seat.name, seat.retired
        self.server_login = seat.server_login
        offer = marker is None and seat.coordinator_offer
        self.package_of = marker.coder_name if marker is not None else None
        old = self.project
        self.project = project
        self.coder_id = coder_id
        # A save waits only briefly for another program's lock, so the window never
        # freezes; a change that found the project busy stays pending and is retried.
        signals = self.session_signals
        self.service = CodingSession(
            project,
            coder_id,
            busy_timeout_ms=GUI_BUSY_TIMEOUT_MS,
            attempts=1,
            on_saved=signals.on_saved,
            on_pending=signals.on_pending,
            on_failed=signals.on_failed,
        )
        self.undo_stack.clear()
        self.current_id = None
        self.show_others = False
        self.others_action.setChecked(False)
        self._apply_role()
        self.spec = self.service.form()
        self.form.build(self.spec)
        self._build_code_actions(self.spec)
        self.queue.set_choices(project, self.spec, can_see_others=self.coder_role in SEES_OTHERS)
        self.queue.only_ids = self.service.assignment()
        self.model = RecommendationTableModel(
            project, coder_id, self, queue_filter=self.queue.current_filter()
        )
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        header = self.table.horizontalHeader()
        for column, (key, _label) in enumerate(COLUMNS):
            if key in COLUMN_WIDTHS:
                header.resizeSection(column, COLUMN_WIDTHS[key])
        header.blockSignals(True)  # the model starts in reading order: say so, sort nothing
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        self.reader.clear()
        if old is not None and old is not project:
            old.close()
        if self.package_of is None:  # a package never becomes this laptop's project
            self.settings.add_recent_project(project.location)
            self.setWindowTitle(f"UPR Coder — {self._short_name(project)}")
        else:
            self.setWindowTitle(
                f"UPR Coder — {self._short_name(project)} — package of {self.package_of}, "
                f"coding as {self.package_of}"
            )
        self.file_label.setText(f"Project: {project.display_name}")
        self.coder_label.setText(
            f"Coder: {self.acting_name} ({self.coder_role}"
            + (f", server login {self.server_login})" if self.server_login else ")")
        )
        self.offer_bar.setVisible(offer)
        if self.package_of is not None and self.package_of != self.coder_name:
            self.statusBar().showMessage(
                f"This is {self.package_of}'s package: you code as {self.package_of} "
                f"here, not as {self.coder_name}.",
                15_000,
            )
        elif self.coder_retired:
            self.statusBar().showMessage(
                f"{self.acting_name} is retired from this project: you can read, not code.",
                15_000,
            )
        self.import_action.setEnabled(not project.read_only)
        for action in self.code_actions:
            action.setEnabled(not project.read_only)
        self._update_counts()
        if project.read_only:
            self._show_read_only()
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self._show_nothing()
        # Start where code keys work (the search box would swallow them as text).
        self.table.setFocus()

    def _show_read_only(self) -> None:
        """Say it where the "Saved" tick would be, and keep saying it: nothing typed
        here could be saved, so nothing can be typed."""
        assert self.project is not None
        self.saved_label.setText("This project is read-only: you can read it, not code it")
        self.saved_label.setStyleSheet("color: #b00020; font-weight: bold")
        self.saved_label.setToolTip(read_only_message(self.project.display_name))
        self.setWindowTitle(f"UPR Coder — {self._short_name(self.project)} (read-only)")

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
            project = init_project(path, coordinator=self.coder_name)  # its creator
        except ProjectError as error:
            self.show_error("The project could not be created", str(error))
            return
        self._leave_current()
        self.set_project(project)

    def open_dialog(self) -> None:
        location, _ = QFileDialog.getOpenFileName(self, "Open project", "", FILE_FILTER)
        if location:
            self.open_location(location)

    def open_location(self, location: str) -> bool:
        try:
            project = open_asking_password(location, self)
        except ProjectError as error:
            self.show_error("The project could not be opened", str(error))
            if not Path(location).exists() and "://" not in location:
                self.settings.remove_recent_project(location)
            return False
        self._leave_current()
        try:
            self.set_project(project)
        except ProjectError as error:
            project.close()
            self.show_error("The project could not be opened", str(error))
            return False
        return True

    def show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        QMessageBox.warning(self, title, message)

    # -- the queue --------------------------------------------------------------------------
    def _filter_changed(self) -> None:
        if self.model is None:
            return
        keep = self.current_id
        self.model.set_filter(self.queue.current_filter(self.model.queue_filter))
        self._update_counts(overall_changed=False)
        row = self.model.row_of(keep) if keep is not None else None
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        elif self.model.rowCount():
            self.table.selectRow(0)
        else:
            self._show_nothing()

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        if self.model is None:
            return
        keep = self.current_id
        self.model.sort(column, order)
        row = self.model.row_of(keep) if keep is not None else None
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _update_counts(self, *, overall_changed: bool = True) -> None:
        if self.model is None or self.service is None:
            return
        overall, shown_now = self.queue.update_progress(
            self.service, self.model.queue_filter, overall_changed=overall_changed
        )
        self.count_label.setText(
            f"{overall.total:,} recommendations"
            if not self.model.queue_filter.active
            else f"{shown_now.total:,} of {overall.total:,} recommendations shown"
        )

    def _show_nothing(self) -> None:
        self.current_id = None
        self.reader.setHtml(
            "<p style='color:gray'>No recommendation matches the filter.</p>"
            if self.model is not None and self.model.queue_filter.active
            else "<p style='color:gray'>This project has no recommendations yet: "
            "File ▸ Import, or drop files on this window.</p>"
        )
        self.form.setEnabled(False)
        self.status_line.setText("")

    def _show_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes or self.model is None:
            return
        rid = self.model.recommendation_id(indexes[0].row())
        if rid != self.current_id:
            self.show_recommendation(rid)

    def _leave_current(self) -> None:
        """Save typing in progress and the time spent, before another one is shown."""
        if self.current_id is None or self.service is None:
            return
        self.form.flush_text()
        if self._timer.isValid():
            self.service.add_time(self.current_id, self._timer.elapsed() / 1000)
            self._timer.invalidate()

    def show_recommendation(self, rid: int) -> None:
        assert self.service is not None
        self._leave_current()
        self.current_id = rid
        self._timer.start()
        self.form.setEnabled(not (self.project is not None and self.project.read_only))
        self.form.set_values(self.service.values(rid))
        self._render(rid)
        self._show_status(self.service.status(rid))

    def _render(self, rid: int) -> None:
        assert self.service is not None
        detail = self.service.detail(rid)
        others = self.service.others(rid) if self.show_others else None
        self.reader.setHtml(
            render_recommendation(
                detail,
                self.spec,
                zoom=self.zoom,
                highlight=self.highlight_keywords,
                others=others,
            )
        )

    def _show_status(self, status: Status) -> None:
        words = STATUS_WORDS.get(status.status, status.status)
        reason = f": {escape(status.reason)}" if status.reason else ""
        spent = f" · {status.seconds / 60:.1f} min spent" if status.seconds >= 6 else ""
        colour = {"done": "#1b7f3b", "flagged": "#b00020", "skipped": "#8a6d00"}.get(status.status)
        style = f" style='color:{colour}'" if colour else ""  # else the theme's own text colour
        self.status_line.setText(f"My status: <b{style}>{escape(words)}</b>{reason}{spent}")

    def select_id(self, rid: int) -> bool:
        if self.model is None:
            return False
        row = self.model.row_of(rid)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _current_row(self) -> int:
        if self.model is None or self.current_id is None:
            return -1
        row = self.model.row_of(self.current_id)
        return -1 if row is None else row

    def go_next(self) -> None:
        if self.model is None:
            return
        row = self._current_row() + 1
        if row < self.model.rowCount():
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        else:
            self.statusBar().showMessage("This is the last recommendation in the list.", 5_000)

    def go_previous(self) -> None:
        row = self._current_row() - 1
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def go_next_not_done(self) -> None:
        if self.model is None or self.service is None:
            return
        ids = self.model.ids()
        start = self._current_row() + 1
        found = self.service.first_not_done(ids[start:]) or self.service.first_not_done(ids[:start])
        if found is None:
            self.statusBar().showMessage("Every recommendation in the list is done.", 5_000)
        elif found != self.current_id:
            self.select_id(found)

    def focus_queue(self) -> None:
        self.table.setFocus()

    def focus_search(self) -> None:
        self.queue.search.setFocus()
        self.queue.search.selectAll()

    def focus_theme_filter(self) -> None:
        widget = self.form.first_multi()
        if widget is not None:
            widget.filter.setFocus()
            widget.filter.selectAll()

    def focus_notes(self) -> None:
        widget = self.form.first_text()
        if widget is not None:
            widget.box.setFocus()

    def _leave_text_box(self, _watched) -> None:
        """Esc in a text box: keys are codes again (focus goes to the list)."""
        self.form.flush_text()
        self.table.setFocus()

    def refresh(self) -> None:
        """Read the project again: another window's or coder's work shows up."""
        if self.model is None or self.service is None:
            return
        keep = self.current_id
        self.form.flush_text()
        self.queue.only_ids = self.service.assignment()  # the coordinator may have changed it
        self.model.queue_filter = self.queue.current_filter(self.model.queue_filter)
        self.model.refresh()
        self._update_counts()
        if keep is not None and self.model.row_of(keep) is not None:
            self.current_id = None
            self._timer.invalidate()
            self.select_id(keep)
            if self.current_id is None:
                self.show_recommendation(keep)
        elif self.model.rowCount():
            self.table.selectRow(0)
        self.statusBar().showMessage("Refreshed.", 3_000)

    # -- coding -----------------------------------------------------------------------------
    def _edited(self, field_id: int, before: FieldValue, after: FieldValue) -> None:
        if self.current_id is None:
            return
        label = next((f.label for f in self.spec.fields if f.id == field_id), "a field")
        self.undo_stack.push(SetValue(self, self.current_id, field_id, before, after, label))

    def toggle_code(self, code_id: int) -> None:
        if self.current_id is None:
            return
        self.form.toggle_code(code_id)

    def apply_value(self, rid: int, field_id: int, value: FieldValue) -> None:
        """Save a field's value (a command's redo or undo) and show it where it belongs."""
        assert self.service is not None
        if rid != self.current_id:
            self.select_id(rid)  # undo across recommendations: show the one it changes
        if rid == self.current_id:
            self.form.set_value(field_id, value)
        try:
            self.service.save_value(rid, field_id, value)
        except InvalidValue as refused:  # the form offers only the codebook's values
            self.statusBar().showMessage(str(refused), 10_000)

    def apply_status(self, rid: int, status: Status) -> None:
        assert self.service is not None
        self.service.set_status(rid, status)

    def _change_saved(self, change: Change) -> None:
        assert self.service is not None
        rid = change.recommendation_id
        if isinstance(change, ValueChange):
            self._saved(self._describe_value(change.field_id, change.value))
        else:
            self._saved(f"Marked {STATUS_WORDS.get(change.status.status, change.status.status)}")
        if self.model is not None:
            self.model.refresh_row(rid)
        if rid == self.current_id:
            self._show_status(self.service.status(rid))
        if isinstance(change, StatusChange):
            self._update_counts()
        if not self.service.has_unsaved():
            self.retry_timer.stop()

    def _change_pending(self, _change: Change, why: Pending) -> None:
        label = {
            "disk_full": "Not saved: the disk is full; trying again…",
            "read_only": "Not saved: the project is read-only",
        }.get(why.kind, "Not saved yet: the project is busy; trying again…")
        self.saved_label.setText(label)
        self.saved_label.setToolTip(why.message)
        self.saved_label.setStyleSheet("color: #b00020; font-weight: bold")
        self.statusBar().showMessage(why.message, 15_000)
        self.retry_timer.start()

    def _change_refused(self, _change: Change, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)  # e.g. retired meanwhile: not saved

    def _describe_value(self, field_id: int, value: FieldValue) -> str:
        field = next((f for f in self.spec.fields if f.id == field_id), None)
        if field is None:
            return "Saved"
        if field.is_choice:
            labels = [c.label for c in field.codes if c.id in value.codes]
            return f"{field.label}: {', '.join(labels) if labels else 'cleared'}"
        if field.kind == "boolean":
            return f"{field.label}: {'yes' if value.text == 'true' else 'no'}"
        return f"{field.label} saved"

    def _saved(self, summary: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.saved_label.setText(f"Saved {stamp} · {summary}")
        self.saved_label.setStyleSheet("")

    def _retry_pending(self) -> None:
        assert self.service is not None
        if self.service.retry():
            self.retry_timer.stop()

    def has_unsaved(self) -> bool:
        return self.service is not None and self.service.has_unsaved()

    def _set_status(self, status: str, reason: str | None, label: str) -> None:
        if self.current_id is None or self.service is None:
            return
        self.form.flush_text()
        before = self.service.status(self.current_id)
        after = Status(status, reason, before.seconds)
        self.undo_stack.push(SetStatus(self, self.current_id, before, after, label))

    def done_and_next(self) -> None:
        if self.current_id is None:
            return
        self._set_status("done", None, "Mark done")
        self.go_next()

    def flag(self) -> None:
        if self.current_id is None:
            return
        reason, ok = QInputDialog.getText(
            self, "Flag this recommendation", "Why? (the coordinator will see this)"
        )
        if ok and reason.strip():
            self._set_status("flagged", reason.strip(), "Flag")
        elif ok:
            self.statusBar().showMessage("A flag needs a reason; nothing was changed.", 6_000)

    def skip(self) -> None:
        if self.current_id is None:
            return
        self._set_status("skipped", None, "Skip")
        self.go_next()

    def toggle_others(self) -> None:
        if self.coder_role not in SEES_OTHERS:
            self.others_action.setChecked(False)
            self.statusBar().showMessage(
                "Coders work blind: only adjudicators and coordinators see others' codes.", 6_000
            )
            return
        self.show_others = self.others_action.isChecked()
        if self.current_id is not None:
            self._render(self.current_id)

    # -- codebook, coders, view ---------------------------------------------------------------
    def codebook_changed(self) -> None:
        assert self.service is not None
        self.form.flush_text()
        self.spec = self.service.form()
        self.form.build(self.spec)
        self._build_code_actions(self.spec)
        self.queue.set_choices(self.project, self.spec, keep=True)
        if self.current_id is not None:
            self.form.set_values(self.service.values(self.current_id))
            self._render(self.current_id)

    def edit_codebook(self) -> None:
        from annotator.gui.codebook_editor import CodebookEditor

        dialog = CodebookEditor(self.project, self.coder_id, self)
        dialog.changed.connect(self.codebook_changed)
        self._open(dialog)

    def manage_coders(self) -> None:
        from annotator.gui.coders_dialog import CodersDialog

        dialog = CodersDialog(self.project, self.coder_id, self)
        dialog.changed.connect(self._coders_changed)
        self._open(dialog)

    def _coders_changed(self) -> None:
        assert self.project is not None
        seat = coding_seat.seat_now(self.project, self.coder_id)
        if seat is None:
            return
        self.coder_role, self.acting_name = seat.role, seat.name
        self.coder_retired = seat.retired
        self.offer_bar.setVisible(self.package_of is None and seat.coordinator_offer)
        self.coder_label.setText(f"Coder: {self.acting_name} ({self.coder_role})")
        self._apply_role()

    def _apply_role(self) -> None:
        """Grey out what the role cannot do (the services refuse it anyway)."""
        role = self.coder_role if not self.coder_retired else "retired"
        self.form.setEnabled(not self.coder_retired)  # a retired coder reads, codes no more
        for action_id, action in ROLE_ACTIONS.items():
            allowed = permissions.may(role, action)
            self.actions_by_id[action_id].setEnabled(allowed)
            tip = "" if allowed else f"Only {permissions.needed(action)} can {action.verb}."
            self.actions_by_id[action_id].setToolTip(tip)

    def _build_offer(self) -> QWidget:
        """The one-time offer to become coordinator of a project that has none."""
        self.offer_bar = QFrame()
        self.offer_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.offer_label = QLabel(
            "This project has no coordinator yet. The coordinator edits the codebook, "
            "assigns work, makes and merges packages and manages coders. Become its "
            "coordinator?"
        )
        self.offer_label.setWordWrap(True)
        self.offer_accept = QPushButton("Become coordinator")
        self.offer_accept.clicked.connect(lambda: self.answer_coordinator_offer(True))
        self.offer_decline = QPushButton("Not me")
        self.offer_decline.setToolTip("You will not be asked again on this project")
        self.offer_decline.clicked.connect(lambda: self.answer_coordinator_offer(False))
        layout = QHBoxLayout(self.offer_bar)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.offer_label, 1)
        layout.addWidget(self.offer_decline)
        layout.addWidget(self.offer_accept)
        self.offer_bar.setVisible(False)
        return self.offer_bar

    def answer_coordinator_offer(self, accept: bool) -> None:
        assert self.project is not None
        try:
            coding_seat.answer_coordinator_offer(self.project, self.coder_id, accept)
        except (ValueError, ProjectError) as error:
            self.show_error("The answer could not be saved", str(error))
            return
        self.offer_bar.setVisible(False)
        self._coders_changed()
        self.statusBar().showMessage(
            "You are now this project's coordinator."
            if accept
            else "You will not be asked again; Coders ▸ Manage shows who may do what.",
            8_000,
        )
        self.table.setFocus()

    def assign(self) -> None:
        from annotator.gui.assign_dialog import AssignDialog

        dialog = AssignDialog(self.project, self.coder_id, self)
        dialog.assigned.connect(self._assignment_changed)
        self._open(dialog)

    def _open(self, dialog: QDialog) -> QDialog:
        """Open a tool window and keep it alive while it is shown."""
        self._dialogs = [d for d in self._dialogs if d.isVisible()]
        self._dialogs.append(dialog)
        dialog.open()
        return dialog

    def reliability_report(self) -> None:
        from annotator.gui.reliability_view import ReliabilityReportDialog

        self._open(ReliabilityReportDialog(self.project, self.coder_id, self))

    def disagreements(self) -> None:
        if self.coder_role not in SEES_OTHERS:
            self.statusBar().showMessage(
                "Coders work blind: disagreements are for adjudicators and coordinators.", 6_000
            )
            return
        from annotator.gui.disagreements_view import DisagreementsDialog

        dialog = DisagreementsDialog(self.project, self.coder_id, self)
        dialog.decided.connect(self.refresh)
        self._open(dialog)

    def analysis(self) -> None:
        from annotator.gui.analysis_view import AnalysisDialog

        self._open(AnalysisDialog(self.project, self.coder_id, self))

    def reviews(self) -> None:
        from annotator.gui.reviews_dialog import ReviewsDialog

        dialog = ReviewsDialog(self.project, self)
        dialog.changed.connect(self.refresh)
        self._open(dialog)

    def export(self) -> None:
        from annotator.gui.export_dialog import ExportDialog

        self.form.flush_text()  # what is typed is part of what is exported
        self._open(ExportDialog(self.project, self.coder_id, self))

    def create_packages(self) -> None:
        from annotator.gui.packages_dialog import CreatePackagesDialog

        self.form.flush_text()
        self._open(CreatePackagesDialog(self.project, self.coder_id, self))

    def merge_packages(self) -> None:
        from annotator.gui.packages_dialog import MergeDialog

        self.form.flush_text()
        dialog = MergeDialog(self.project, self.coder_id, self)
        dialog.merged.connect(self.refresh)
        self._open(dialog)

    def _assignment_changed(self) -> None:
        assert self.service is not None
        self.queue.only_ids = self.service.assignment()
        self._filter_changed()
        self._update_counts()

    def preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self.spec, self)
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            self._apply_bindings()

    def shortcuts_help(self) -> None:
        self._open(ShortcutsHelp(self.settings, self.spec, self))

    def change_zoom(self, step: int) -> None:
        self.zoom = max(-4, min(12, self.zoom + step))
        self.settings.set_value("view/zoom", str(self.zoom))
        self._apply_zoom()
        if self.current_id is not None:
            self._render(self.current_id)

    def _apply_zoom(self) -> None:
        font = self.font()
        base = max(font.pointSize(), 9)
        for widget in (self.form, self.queue):
            widget_font = widget.font()
            widget_font.setPointSize(base + self.zoom)
            widget.setFont(widget_font)

    def _toggle_highlight(self, on: bool) -> None:
        self.highlight_keywords = on
        self.settings.set_value("view/highlight", "1" if on else "0")
        if self.current_id is not None:
            self._render(self.current_id)

    def set_theme(self, name: str) -> None:
        self.settings.set_value("view/theme", name)
        theme.apply(name)

    # -- importing ----------------------------------------------------------------------------
    def import_files(self, _checked: bool = False, files: list[Path] | None = None) -> ImportDialog:
        dialog = ImportDialog(self.project, self.settings, files, self)
        dialog.imported.connect(self._after_import)
        dialog.open()
        return dialog

    def _after_import(self, plan) -> None:
        self.queue.set_choices(self.project, self.spec, keep=True)
        self.refresh()
        new = plan.count("new")
        self.statusBar().showMessage(
            f"Imported {new:,} new recommendations; {plan.count('updated'):,} updated.", 15_000
        )

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
        self._leave_current()
        if self.service is not None and not self.service.flush(CLOSE_WAIT_SECONDS):
            answer = QMessageBox.question(
                self,
                "Changes not saved yet",
                "The project is still busy and some of your changes are not saved yet. "
                "Close anyway and lose them?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
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
