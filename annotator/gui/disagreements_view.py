"""Disagreements: where coders differ, side by side, and the final value decided.

An adjudicator goes through the recommendations the coders coded differently, sees
each coder's codes next to each other (the codes they differ on highlighted), and
takes one coder's value or writes a new one, always with a reason. Every decision
can be undone; agreements can be accepted in one go. Each decision is committed at
once through ``AdjudicationService``; the dialog never builds SQL.
"""

from __future__ import annotations

from itertools import combinations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.coding_form import code_tooltip
from annotator.gui.messages import MessageLine, guarded
from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.value_editor import DIFFERS, ValueEditor, code_text, describe_value, value_cell
from annotator.services.adjudication import AdjudicationService, Disagreement
from annotator.services.coding import EMPTY, FieldSpec, FieldValue
from annotator.store.errors import ProjectError
from annotator.store.project import Project

CHOSEN = "✓"


class DisagreementsDialog(QDialog):
    """The disagreeing recommendations on the left, the one chosen on the right."""

    decided = Signal()  # after every decision, undo or accepted agreements

    def __init__(self, project: Project, coder_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Disagreements between coders")
        self.service = AdjudicationService(project, coder_id)
        self.spec = self.service.form()
        self.fields = {f.id: f for f in self.spec.fields}
        self.items: list[Disagreement] = []
        # Decisions made here, newest last: what "Undo decision" takes back first.
        self.history: list[tuple[int, Disagreement]] = []
        self.editor: ValueEditor | None = None
        self.take_buttons: dict[str, QPushButton] = {}
        self.can_decide = self.service.may_decide()

        intro = QLabel(
            "Recommendations the coders coded differently. Choose one, compare the "
            "coders' codes (the codes they differ on are highlighted), then take one "
            "coder's value or write a new one. A reason is always needed."
        )
        intro.setWordWrap(True)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._list_side())
        splitter.addWidget(self._detail_side())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setChildrenCollapsible(False)

        self.message = MessageLine(describe=_not_read_or_written)

        self.accept_all_button = QPushButton("Accept all agreements…")
        self.accept_all_button.setToolTip(
            "Where every coder gave the same value and nothing is decided yet, make that "
            "value the final one (for the field and coders chosen above)"
        )
        self.accept_all_button.clicked.connect(self.accept_all_agreements)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.accept_all_button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        for button in (*close.buttons(), self.accept_all_button):
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self._filters())
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.setMinimumSize(900, 600)
        self.resize(1100, 720)
        fit_to_screen(self)

        if not self.can_decide:
            self._lock()
            return
        self.reload()

    @property
    def message_is_error(self) -> bool:
        return self.message.is_error

    # ------------------------------------------------------------------ building

    def _filters(self) -> QHBoxLayout:
        self.field_combo = QComboBox()
        self.field_combo.addItem("All fields", None)
        for fspec in self.spec.fields:
            if fspec.kind != "text":
                self.field_combo.addItem(fspec.label, fspec.key)
        for fspec in self.spec.fields:
            if fspec.kind == "text":
                self.field_combo.addItem(f"{fspec.label} (free text)", fspec.key)
        self.code_combo = QComboBox()
        self.code_combo.setMinimumContentsLength(18)
        self.code_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.pair_combo = QComboBox()
        self.pair_combo.addItem("All coders", None)
        try:
            names = self.service.coders_who_coded() if self.can_decide else []
        except ProjectError:
            names = []
        for first, second in combinations(names, 2):
            self.pair_combo.addItem(f"{first} and {second}", (first, second))
        self.show_decided = QCheckBox("Show decided ones too")
        self._fill_codes()
        self.field_combo.currentIndexChanged.connect(self._field_chosen)
        self.code_combo.currentIndexChanged.connect(lambda _: self.reload())
        self.pair_combo.currentIndexChanged.connect(lambda _: self.reload())
        self.show_decided.toggled.connect(lambda _: self.reload())
        row = QHBoxLayout()
        for label, widget in (
            ("Field", self.field_combo),
            ("Code", self.code_combo),
            ("Coders", self.pair_combo),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
            row.addSpacing(8)
        row.addWidget(self.show_decided)
        row.addStretch(1)
        return row

    def _list_side(self) -> QWidget:
        side = QWidget()
        self.count_label = QLabel("")
        self.count_label.setWordWrap(True)
        self.unit_list = QListWidget()
        self.unit_list.setAlternatingRowColors(True)
        self.unit_list.currentRowChanged.connect(self._show)
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.count_label)
        layout.addWidget(self.unit_list, 1)
        side.setMinimumWidth(230)
        return side

    def _detail_side(self) -> QWidget:
        side = QWidget()
        self.heading = QLabel("")
        bold = QFont(self.heading.font())
        bold.setBold(True)
        self.heading.setFont(bold)
        self.heading.setWordWrap(True)
        self.text_view = QTextBrowser()
        self.text_view.setOpenLinks(False)
        self.text_view.setMinimumHeight(70)
        self.text_view.setMaximumHeight(130)
        self.text_view.setFrameShape(QFrame.Shape.StyledPanel)

        self.compare = QTableWidget(0, 0)
        self.compare.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.compare.verticalHeader().setVisible(False)
        self.compare.setWordWrap(True)
        self.compare_caption = QLabel("")
        self.compare_caption.setWordWrap(True)
        self.consensus_label = QLabel("")
        self.consensus_label.setWordWrap(True)

        decide_box = QGroupBox("Decide the final value")
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("Why this value? (needed for every decision)")
        self.take_row = QHBoxLayout()
        self.new_value_button = QPushButton("Write a new value…")
        self.new_value_button.setToolTip("Decide a value none of the coders gave")
        self.new_value_button.clicked.connect(self.open_editor)
        self.undo_button = QPushButton("Undo decision")
        self.undo_button.setToolTip(
            "Take back the last decision made here (or the decision shown, when no "
            "decision was made here yet)"
        )
        self.undo_button.clicked.connect(self.undo_last)
        for button in (self.new_value_button, self.undo_button):
            button.setAutoDefault(False)
        reason_row = QHBoxLayout()
        reason_row.addWidget(QLabel("Reason"))
        reason_row.addWidget(self.reason_edit, 1)
        other_row = QHBoxLayout()
        other_row.addWidget(self.new_value_button)
        other_row.addStretch(1)
        other_row.addWidget(self.undo_button)
        box_layout = QVBoxLayout(decide_box)
        box_layout.addLayout(reason_row)
        box_layout.addLayout(self.take_row)
        box_layout.addLayout(other_row)

        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.text_view)
        layout.addWidget(self.compare_caption)
        layout.addWidget(self.compare, 1)
        layout.addWidget(self.consensus_label)
        layout.addWidget(decide_box)
        return side

    def _lock(self) -> None:
        try:
            name = self.service.me().name
            why = (
                "Only an adjudicator or a coordinator can see and decide disagreements; "
                f"{name} is a coder. Coders work blind, so others' codes stay hidden."
            )
        except (ValueError, ProjectError):
            why = "Choose a coder of this project (an adjudicator or coordinator) first."
        for widget in (
            self.field_combo,
            self.code_combo,
            self.pair_combo,
            self.show_decided,
            self.reason_edit,
            self.new_value_button,
            self.undo_button,
            self.accept_all_button,
        ):
            widget.setEnabled(False)
        self.count_label.setText("")
        self.message.say(why, error=True)

    # ------------------------------------------------------------------ filters

    def current_field(self) -> FieldSpec | None:
        key = self.field_combo.currentData()
        return None if key is None else self.spec.field_by_key(key)

    def _fill_codes(self) -> None:
        self.code_combo.blockSignals(True)
        self.code_combo.clear()
        self.code_combo.addItem("Any code", None)
        fspec = self.current_field()
        if fspec is not None and fspec.is_choice:
            for code in fspec.codes:
                self.code_combo.addItem(code.label, code.key)
        self.code_combo.setEnabled(fspec is not None and fspec.is_choice)
        self.code_combo.blockSignals(False)

    def _field_chosen(self, _index: int) -> None:
        self._fill_codes()
        self.reload()

    def choose(self, *, field: str | None = None, code: str | None = None) -> None:
        """Set the filters by key (for the window's menu and for tests)."""
        self.field_combo.setCurrentIndex(max(0, self.field_combo.findData(field)))
        self.code_combo.setCurrentIndex(max(0, self.code_combo.findData(code)))

    def _coders(self) -> tuple[str, ...] | None:
        return self.pair_combo.currentData()

    # ------------------------------------------------------------------ the list

    def reload(self, keep: tuple[int, int] | None = None) -> None:
        """Read the disagreements again; ``keep`` (recommendation, field) stays chosen."""
        previous = self.unit_list.currentRow()
        fspec = self.current_field()
        found = guarded(
            self.message,
            lambda: self.service.disagreements(
                fspec.key if fspec else None,
                self.code_combo.currentData(),
                self._coders(),
                include_decided=self.show_decided.isChecked(),
            ),
        )
        if found is None:
            return
        self.items = found
        self.unit_list.blockSignals(True)
        self.unit_list.clear()
        # Numbers repeat across reviews: name the review when there is more than one.
        several = len({item.review for item in found}) > 1
        for item in found:
            mark = "  — decided" if item.decided else ""
            where = f"{item.review}: " if several else ""
            number = item.number or "(no number)"
            entry = QListWidgetItem(f"{where}{number} · {item.field_label}{mark}")
            entry.setToolTip(f"{item.review}, recommendation {item.number}")
            self.unit_list.addItem(entry)
        self.unit_list.blockSignals(False)
        open_count = sum(1 for item in found if not item.decided)
        self.count_label.setText(self._count_text(open_count, len(found) - open_count))
        row = -1
        if keep is not None:
            row = next(
                (
                    n
                    for n, item in enumerate(found)
                    if (item.recommendation_id, item.field_id) == keep
                ),
                -1,
            )
        if row < 0 and found:
            row = min(max(previous, 0), len(found) - 1)
        # The list was cleared (current row -1), so choosing a row always signals _show.
        self.unit_list.setCurrentRow(row)
        if row < 0:
            self._show(row)

    @staticmethod
    def _count_text(open_count: int, decided: int) -> str:
        if open_count == 0:
            if decided == 0:
                return "No disagreements: there is nothing to decide here."
            return f"Every disagreement here is decided ({decided} shown)."
        text = f"{open_count} disagreement{'s' if open_count != 1 else ''} to decide"
        return text + (f" ({decided} decided shown)" if decided else "")

    def current(self) -> Disagreement | None:
        row = self.unit_list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def select(self, number: str, field_key: str) -> None:
        """Choose the disagreement on this recommendation number and field."""
        for row, item in enumerate(self.items):
            if item.number == number and item.field_key == field_key:
                self.unit_list.setCurrentRow(row)
                return
        raise KeyError((number, field_key))

    # ------------------------------------------------------------------ the detail

    def _show(self, row: int) -> None:
        item = self.items[row] if 0 <= row < len(self.items) else None
        self._clear_take_buttons()
        if item is None:
            self.heading.setText("")
            self.text_view.clear()
            self.compare.setRowCount(0)
            self.compare.setColumnCount(0)
            self.compare_caption.setText("")
            self.consensus_label.setText("")
            self.new_value_button.setEnabled(False)
            self._update_undo()
            return
        fspec = self.fields[item.field_id]
        self.heading.setText(f"{item.review}, recommendation {item.number}: {fspec.label}")
        self.text_view.setPlainText(item.text)
        self._fill_compare(item, fspec)
        self.consensus_label.setText(
            f"Final value: {describe_value(fspec, item.consensus)}."
            if item.decided
            else "Final value: not decided yet."
        )
        for value in item.values:
            button = QPushButton(f"Take {value.coder}'s value")
            button.setAutoDefault(False)
            button.setToolTip(f"Make {describe_value(fspec, value.value)} the final value")
            button.clicked.connect(lambda _=False, name=value.coder: self.take(name))
            self.take_row.addWidget(button)
            self.take_buttons[value.coder] = button
        self.take_row.addStretch(1)
        self.new_value_button.setEnabled(True)
        self._update_undo()

    def _clear_take_buttons(self) -> None:
        while self.take_row.count():
            child = self.take_row.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.take_buttons = {}

    def _fill_compare(self, item: Disagreement, fspec: FieldSpec) -> None:
        coders = [v.coder for v in item.values]
        self.compare.clear()
        self.compare.setColumnCount(1 + len(coders))
        first = "Code" if fspec.is_choice else "Value"
        self.compare.setHorizontalHeaderLabels([first, *coders])
        header = self.compare.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 1 + len(coders)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        if fspec.is_choice:
            used = set().union(*(v.value.codes for v in item.values))
            codes = [c for c in fspec.codes if c.id in used]
            self.compare.setRowCount(max(1, len(codes)))
            if not codes:
                self.compare.setItem(0, 0, value_cell("(no coder chose a code)", False))
            for row, code in enumerate(codes):
                differs = code.id in item.differing
                self.compare.setItem(
                    row, 0, value_cell(code_text(fspec, code), differs, code_tooltip(code))
                )
                for column, value in enumerate(item.values, start=1):
                    mark = CHOSEN if code.id in value.value.codes else ""
                    self.compare.setItem(row, column, value_cell(mark, differs, center=True))
            caption = "Each coder's codes. Highlighted: codes some coders chose and others did not."
            if any(not v.value.codes for v in item.values):
                empty = [v.coder for v in item.values if not v.value.codes]
                caption += f" {' and '.join(empty)} chose no code."
        else:
            self.compare.setRowCount(1)
            self.compare.setItem(0, 0, value_cell(fspec.label, True))
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
            for column, value in enumerate(item.values, start=1):
                self.compare.setItem(
                    0, column, value_cell(describe_value(fspec, value.value), True)
                )
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            caption = "What each coder gave; they differ."
        self.compare.resizeRowsToContents()
        self.compare_caption.setText(caption)

    def differing_labels(self) -> list[str]:
        """The labels shown highlighted (what a person sees as "they differ on")."""
        cells = (self.compare.item(r, 0) for r in range(self.compare.rowCount()))
        return [
            cell.text()
            for cell in cells
            if cell is not None and cell.background().color() == DIFFERS
        ]

    # ------------------------------------------------------------------ deciding

    def _reason(self) -> str | None:
        reason = self.reason_edit.text().strip()
        if not reason:
            self.message.say("Write the reason for the decision first, then decide.", error=True)
            self.reason_edit.setFocus()
            return None
        return reason

    def take(self, coder: str) -> None:
        item = self.current()
        if item is None:
            return
        reason = self._reason()
        if reason is None:
            return
        fspec = self.fields[item.field_id]
        value = item.value_of(coder)
        self._decide(item, value, reason, f"{coder}'s value ({describe_value(fspec, value)})")

    def open_editor(self) -> ValueEditor | None:
        item = self.current()
        if item is None or self._reason() is None:
            return None
        fspec = self.fields[item.field_id]
        start = item.consensus or (item.values[0].value if item.values else EMPTY)
        self.editor = ValueEditor(fspec, start, self)
        self.editor.accepted.connect(self._editor_accepted)
        self.editor.open()
        return self.editor

    def _editor_accepted(self) -> None:
        item, editor = self.current(), self.editor
        self.editor = None
        if item is None or editor is None:
            return
        reason = self._reason()
        if reason is None:
            return
        value = editor.value()
        described = describe_value(self.fields[item.field_id], value)
        self._decide(item, value, reason, f"a new value ({described})")

    def _decide(self, item: Disagreement, value: FieldValue, reason: str, what: str) -> None:
        decision = guarded(
            self.message,
            lambda: self.service.decide(item.recommendation_id, item.field_id, value, reason),
        )
        if decision is None:
            return
        self.history.append((decision.audit_event_id, item))
        self.reason_edit.clear()
        self.message.say(
            f"Decided {item.field_label} of {item.number}: {what}. Undo decision takes it back."
        )
        # Stay on the same place in the list: the next disagreement moves up into it.
        self.reload(keep=(item.recommendation_id, item.field_id))
        self.decided.emit()

    def _update_undo(self) -> None:
        item = self.current()
        self.undo_button.setEnabled(
            self.can_decide and (bool(self.history) or bool(item and item.decided))
        )

    def undo_last(self) -> None:
        if self.history:
            event_id, item = self.history[-1]
        else:
            shown = self.current()
            if shown is None or not shown.decided:
                return
            item = shown
            found = guarded(
                self.message,
                lambda: self.service.last_decision(shown.recommendation_id, shown.field_id),
            )
            if found is None:
                self.message.say("There is no decision on this to undo.", error=True)
                return
            event_id = found
        restored = guarded(self.message, lambda: (self.service.undo(event_id),))
        if restored is None:
            return
        if self.history and self.history[-1][0] == event_id:
            self.history.pop()
        fspec = self.fields[item.field_id]
        back = restored[0]
        after = (
            "it is open again"
            if back is None
            else f"the final value is {describe_value(fspec, back)} again"
        )
        self.message.say(f"Undid the decision on {item.field_label} of {item.number}: {after}.")
        self.reload(keep=(item.recommendation_id, item.field_id))
        self.decided.emit()

    def confirm(self, question: str) -> bool:
        """Ask before a change to many recommendations (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Accept all agreements",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def accept_all_agreements(self) -> int:
        fspec = self.current_field()
        key = fspec.key if fspec else None
        coders = self._coders()
        found = guarded(self.message, lambda: self.service.agreements(key, coders))
        if found is None:
            return 0
        if not found:
            self.message.say("There are no agreements left to accept: each one is decided already.")
            return 0
        units = len({a.recommendation_id for a in found})
        where = f"{fspec.label}" if fspec else "every coded field"
        who = " and ".join(coders) if coders else "all coders"
        question = (
            f"Make the shared value the final one for {len(found)} "
            f"value{'s' if len(found) != 1 else ''} on {units} "
            f"recommendation{'s' if units != 1 else ''} ({where}), where {who} "
            "gave the same value and nothing is decided yet?\n\n"
            "Each can still be undone one by one."
        )
        if not self.confirm(question):
            return 0
        count = guarded(self.message, lambda: self.service.accept_agreements(key, coders))
        if count is None:
            return 0
        self.message.say(
            f"Accepted the coders' shared value on {count} "
            f"value{'s' if count != 1 else ''} ({units} recommendation{'s' if units != 1 else ''})."
        )
        self.reload()
        self.decided.emit()
        return count


def _not_read_or_written(error: ProjectError) -> str:
    return f"The project could not be read or written: {error}"
