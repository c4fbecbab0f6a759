"""The coding workspace: the queue, the recommendation being read, and the coding form.

Every change a coder makes goes to the ``CodingSession`` (services/coding_session.py)
the moment it is made, inside an undoable command; the status bar says "Saved" only after
the commit. The window is split by what it holds: menus (window_menus.py), what a coder
does (coding_actions.py, coding_commands.py), the tools (window_tools.py).
"""

from __future__ import annotations

from dataclasses import replace
from html import escape
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QItemSelection, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.codebook.keys import apply_keys, assign_keys
from annotator.gui.coding_commands import SessionSignals
from annotator.gui.coding_form import CodingForm
from annotator.gui.form_summary import FormSummary
from annotator.gui.queue_panel import QueuePanel
from annotator.gui.reading_pane import render_recommendation
from annotator.gui.recommendation_model import COLUMNS, RecommendationTableModel
from annotator.gui.screen_fit import restore_or_fit
from annotator.gui.server_password import open_asking_password
from annotator.gui.settings import AppSettings
from annotator.gui.shortcuts import bindings
from annotator.gui.suggestion_strip import SuggestionsController
from annotator.gui.window_constants import (
    CLOSE_WAIT_SECONDS,
    COLUMN_WIDTHS,
    FILE_FILTER,
    GUI_BUSY_TIMEOUT_MS,
    RETRY_MS,
    ROW_HEIGHT_PADDING,
    SAVE_PATIENCE_MS,
    SEES_OTHERS,
    SETTLE_SECONDS,
    STATUS_WORDS,
)
from annotator.gui.window_menus import WindowMenus
from annotator.paths import PROJECT_SUFFIX
from annotator.services import coding_seat
from annotator.services.coding import (
    FormSpec,
    Status,
)
from annotator.services.coding_session import (
    CodingSession,
)
from annotator.services.packages import package_marker
from annotator.services.projects import init_project
from annotator.services.similar import similar_for
from annotator.store.errors import (
    ProjectError,
    read_only_message,
)
from annotator.store.project import Project


class MainWindow(WindowMenus, QMainWindow):
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
        self.summary = FormSummary()  # outside the scrolling form: always in view
        self.form.values_shown.connect(
            lambda: self.summary.show_values(self.form.spec, self.form.values())
        )
        self.focus_keys: dict[str, str] = {}
        self.status_line = QLabel()
        self.status_line.setWordWrap(True)
        self.status_line.setContentsMargins(10, 4, 10, 4)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.status_line)
        right_layout.addWidget(self._build_done_bar())  # why done was refused
        self.suggestions = SuggestionsController(self)
        self.session_signals.saved.connect(lambda c: self.suggestions.saved(c.recommendation_id))
        right_layout.addWidget(self.suggestions.strip)
        right_layout.addWidget(self.form, 1)
        right_layout.addWidget(self.summary)

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
        # A save not back within SAVE_PATIENCE_MS (a lock, a slow server) says so.
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.setInterval(SAVE_PATIENCE_MS)
        self.retry_timer.timeout.connect(self._retry_pending)

        self.actions_by_id: dict[str, QAction] = {}
        self._dialogs: list[QDialog] = []
        self.code_actions: list[QAction] = []
        self._build_menus()
        self.setAcceptDrops(True)
        restore_or_fit(self, settings.window_state("geometry"), QSize(1400, 860))
        self.queue.filter_changed.connect(self._filter_changed)
        self.queue.tab_out.connect(self._tab_out_of_list)
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
        if self.service is not None:
            self.service.close(CLOSE_WAIT_SECONDS)  # the old project's writer thread
        # Saves run on the session's writer thread: a keystroke returns at once, and
        # the result comes back as a Qt signal (SessionSignals).
        self.service = CodingSession(
            project,
            coder_id,
            busy_timeout_ms=GUI_BUSY_TIMEOUT_MS,
            attempts=1,
            on_saved=signals.on_saved,
            on_pending=signals.on_pending,
            on_failed=signals.on_failed,
            threaded=True,
            retry_seconds=RETRY_MS / 1000,
        )
        self.undo_stack.clear()
        self.current_id = None
        self.show_others = False
        self.others_action.setChecked(False)
        self._apply_role()
        self._build_form(self.service.form())
        self.suggestions.attach()
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

    def _build_form(self, spec: FormSpec) -> None:
        """The form with a key on every option of a one-choice field and on every field,
        clear of the window's own keys (as bound now) and its menus' Alt+letter keys."""
        reserved = [*bindings(self.settings).values()]
        for action in self.menuBar().actions():
            mnemonic = QKeySequence.mnemonic(action.text())
            if not mnemonic.isEmpty():
                reserved.append(mnemonic.toString(QKeySequence.SequenceFormat.PortableText))
        keys = assign_keys(spec.fields, reserved)
        self.spec = replace(spec, fields=apply_keys(spec.fields, keys))
        self.focus_keys = keys.fields
        self.form.build(self.spec, self.focus_keys)
        self._build_code_actions(self.spec)

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
        self.service_settle()
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
        self.done_bar.setVisible(False)  # it spoke of the one before
        self._timer.start()
        self.form.setEnabled(not (self.project is not None and self.project.read_only))
        self.form.set_values(self.service.values(rid))
        self._render(rid)
        self._show_status(self.service.status(rid))
        self.suggestions.refresh()

    def _render(self, rid: int) -> None:
        assert self.service is not None
        detail = self.service.detail(rid)
        others = self.service.others(rid) if self.show_others else None
        wide = self.similar_action.isChecked()
        similar = [] if self.project is None else similar_for(self.project, rid, other_states=wide)
        self.reader.setHtml(
            render_recommendation(
                detail,
                self.spec,
                zoom=self.zoom,
                highlight=self.highlight_keywords,
                others=others,
                similar=similar,
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
        if row >= 0 and self.model is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def go_next_not_done(self) -> None:
        if self.model is None or self.service is None:
            return
        self.service_settle()  # a "done" just set counts
        ids = self.model.ids()
        start = self._current_row() + 1
        found = self.service.first_not_done(ids[start:]) or self.service.first_not_done(ids[:start])
        if found is None:
            self.statusBar().showMessage("Every recommendation in the list is done.", 5_000)
        elif found != self.current_id:
            self.select_id(found)

    def focus_queue(self) -> None:
        self.table.setFocus()

    def service_settle(self) -> None:
        """Before the list is read again: a short, bounded wait for the writer thread,
        so a status just set shows in the list (a held lock leaves it pending)."""
        if self.service is not None and self.service.has_unsaved():
            self.service.flush(SETTLE_SECONDS)

    def _tab_out_of_list(self, forward: bool) -> None:
        """Tab: to the form's first field; Shift+Tab: back to the filters (the search)."""
        if not forward:
            self.focus_search()
            return
        widget = self.form.nextInFocusChain()
        while widget is not None and widget is not self.form:
            if (
                self.form.isAncestorOf(widget)
                and widget.isVisible()
                and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            ):
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                return
            widget = widget.nextInFocusChain()
        self.form.setFocus(Qt.FocusReason.TabFocusReason)

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
        self.service_settle()
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
