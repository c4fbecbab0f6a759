"""The queue's filter bar, its progress bar and the list of recommendations."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGridLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.services.coding import FormSpec
from annotator.services.coding_session import CodingSession
from annotator.services.queue import Progress, QueueFilter, queue_choices
from annotator.store.project import Project

SEARCH_DELAY_MS = 150  # results as you type, without a query per keystroke
ANY = "Any"
STATUS_CHOICES = (
    ("Any status", ()),
    ("Not done", ("not_started", "in_progress", "flagged")),
    ("Not started", ("not_started",)),
    ("In progress", ("in_progress",)),
    ("Done", ("done",)),
    ("Flagged", ("flagged",)),
    ("Skipped", ("skipped",)),
)


WHOSE_CHOICES = (("my codes", False), ("anyone's codes", True))


class QueuePanel(QWidget):
    filter_changed = Signal()
    # Tab / Shift+Tab in the list: the keyboard leaves it (to the form / the filters)
    # instead of walking its cells and opening the next recommendation.
    tab_out = Signal(bool)  # forward

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the text or a number, e.g. 115.23 (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        for label, statuses in STATUS_CHOICES:
            self.status.addItem(label, statuses)
        self.response = QComboBox()
        self.group = QComboBox()
        self.state = QComboBox()
        self.state.setEditable(True)
        self.state.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.cycle = QComboBox()
        self.theme = QComboBox()
        self.theme.setEditable(True)
        self.theme.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # Any part of a name finds it ("death" finds "Themes: Death penalty").
        completer = QCompleter(self.theme.model(), self.theme)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.theme.setCompleter(completer)
        self.theme_whose = QComboBox()
        for label, anyone in WHOSE_CHOICES:
            self.theme_whose.addItem(label, anyone)
        self.theme_whose.setToolTip(
            "Whose codes the theme filter looks at: only mine, or any coder's "
            "(adjudicators and coordinators)"
        )
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        self.table = QTableView()

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.search, 0, 0, 1, 4)
        for column, (label, widget) in enumerate(
            (("My status", self.status), ("Response", self.response))
        ):
            grid.addWidget(QLabel(label), 1, column * 2)
            grid.addWidget(widget, 1, column * 2 + 1)
        for column, (label, widget) in enumerate(
            (("Regional group", self.group), ("Recommended by", self.state))
        ):
            grid.addWidget(QLabel(label), 2, column * 2)
            grid.addWidget(widget, 2, column * 2 + 1)
        grid.addWidget(QLabel("Cycle"), 3, 0)
        grid.addWidget(self.cycle, 3, 1)
        grid.addWidget(QLabel("Theme"), 3, 2)
        theme_row = QWidget()
        theme_layout = QGridLayout(theme_row)
        theme_layout.setContentsMargins(0, 0, 0, 0)
        theme_layout.addWidget(self.theme, 0, 0)
        theme_layout.addWidget(QLabel("in"), 0, 1)
        theme_layout.addWidget(self.theme_whose, 0, 2)
        theme_layout.setColumnStretch(0, 1)
        grid.addWidget(theme_row, 3, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.filter_changed)
        self.search.textChanged.connect(self._search_timer.start)
        for box in (self.status, self.response, self.group, self.state, self.cycle, self.theme):
            box.currentIndexChanged.connect(self._changed)
            # Long names ("Latin American and Caribbean") must not make the queue wide.
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(8)
        self.theme_whose.currentIndexChanged.connect(self._changed)
        self.table.setTabKeyNavigation(False)
        self.table.installEventFilter(self)
        self._loading = False
        self.only_ids: frozenset[int] | None = None
        self._overall: Progress | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                self.tab_out.emit(key == Qt.Key.Key_Tab)
                return True
        return super().eventFilter(watched, event)

    @property
    def theme_by_anyone(self) -> bool:
        return bool(self.theme_whose.currentData())

    def _changed(self, *_args) -> None:
        if not self._loading:
            self.filter_changed.emit()

    def set_choices(
        self,
        project: Project | None,
        spec: FormSpec,
        *,
        can_see_others: bool | None = None,
        keep: bool = False,
    ) -> None:
        """Fill the filter boxes from the project (after opening it, or an import)."""
        if project is None:
            return
        choices = queue_choices(project)
        self._loading = True
        previous = {
            box: box.currentData()
            for box in (self.response, self.group, self.state, self.cycle, self.theme)
        }
        self._fill(self.response, [(r, r) for r in choices.responses])
        self._fill(self.group, [(g, g) for g in choices.regional_groups])
        self._fill(self.state, [(name, sid) for sid, name in choices.states])
        self._fill(self.cycle, [(f"Cycle {c}", c) for c in choices.cycles])
        codes = [
            (f"{field.label}: {code.label}" if len(spec.fields) > 1 else code.label, code.id)
            for field in spec.fields
            if field.is_choice
            for code in field.codes
        ]
        self._fill(self.theme, codes)
        self._whole_names(self.theme)
        if keep:
            for box, data in previous.items():
                index = box.findData(data)
                box.setCurrentIndex(max(index, 0))
        else:
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.status.setCurrentIndex(0)
        if can_see_others is not None:
            # A coder works blind: the filter is always on their own codes, and says so.
            self.theme_whose.setEnabled(can_see_others)
            if not can_see_others:
                self.theme_whose.setCurrentIndex(0)
        self._loading = False

    @staticmethod
    def _whole_names(box: QComboBox) -> None:
        """The drop-down as wide as its longest name (the box itself stays narrow), and
        each name in a tooltip, so no name is cut mid-word."""
        metrics = box.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance(box.itemText(i)) for i in range(box.count())), default=0
        )
        screen = box.screen().availableGeometry().width() if box.screen() else 1280
        box.view().setMinimumWidth(min(widest + 48, screen - 40))
        box.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        for i in range(box.count()):
            box.setItemData(i, box.itemText(i), Qt.ItemDataRole.ToolTipRole)
        completer = box.completer()
        popup = completer.popup() if completer is not None else None
        if popup is not None:
            popup.setMinimumWidth(min(widest + 48, screen - 40))
            popup.setTextElideMode(Qt.TextElideMode.ElideNone)

    @staticmethod
    def _fill(box: QComboBox, items: Sequence[tuple[str, object]]) -> None:
        box.clear()
        box.addItem(ANY, None)
        for label, data in items:
            box.addItem(label, data)

    def current_filter(self, previous: QueueFilter | None = None) -> QueueFilter:
        return QueueFilter(
            statuses=frozenset(self.status.currentData() or ()),
            response=self.response.currentData(),
            code_id=self.theme.currentData(),
            code_by_anyone=self.theme_by_anyone,
            state_id=self.state.currentData(),
            regional_group=self.group.currentData(),
            cycle=self.cycle.currentData(),
            search=self.search.text(),
            only_ids=self.only_ids,
            sort=previous.sort if previous else "number",
            descending=previous.descending if previous else False,
        )

    def update_progress(
        self, service: CodingSession, shown: QueueFilter, *, overall_changed: bool = True
    ) -> tuple[Progress, Progress]:
        """``overall_changed=False`` (a new filter, no new status) keeps the overall count."""
        if overall_changed or self._overall is None:
            self._overall = service.filter_progress(QueueFilter(only_ids=self.only_ids))
        overall = self._overall
        now = service.filter_progress(shown) if shown.active else overall
        self.progress.setRange(0, max(overall.total, 1))
        self.progress.setValue(overall.done)
        self.progress.setFormat(f"My progress: {overall.done:,} of {overall.total:,} done")
        self.progress_label.setText(
            f"In this list: {now.done:,} of {now.total:,} done"
            if now.total != overall.total
            else ""
        )
        self.progress_label.setVisible(now.total != overall.total)
        return overall, now
