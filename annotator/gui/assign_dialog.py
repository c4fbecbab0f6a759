"""Assign recommendations: a coordinator chooses coders and what they are to code.

A coder with no assignment sees every recommendation; the dialog says so, because
removing a coder's last assignment widens their queue rather than emptying it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.messages import MessageLine, guarded
from annotator.gui.sample_plan_table import (
    PLAN_COLUMNS,
    fill_plan_table,
    join_names,
    plan_words,
)
from annotator.gui.screen_fit import fit_to_screen
from annotator.services import assigning, assignments
from annotator.services.sample_plan import SamplePlan
from annotator.store.errors import ProjectError
from annotator.store.project import Project

ID_ROLE = Qt.ItemDataRole.UserRole
NAME_ROLE = Qt.ItemDataRole.UserRole + 1
SUMMARY_COLUMNS = ("Coder", "Assigned", "Done", "Shared with another coder", "Shared, done by two")
INDENT = 26

T = TypeVar("T")


class AssignDialog(QDialog):
    """Coders on the left, what to give them on the right, the current state below."""

    assigned = Signal()  # after every change to who is assigned what

    def __init__(
        self, project: Project, coder_id: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Assign recommendations")
        self.project = project
        self.coder_id = coder_id
        self.ranges: dict[int, assignments.ReviewRange] = {}
        self.plan: SamplePlan | None = None

        intro = QLabel(
            "Coders see only the recommendations assigned to them. "
            "A coder with no assignment sees every recommendation."
        )
        intro.setWordWrap(True)

        coders_box, what_box = self._coders_box(), self._what_box()
        # The choices must never be squeezed into each other; the summary table gives way.
        what_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        coders_box.setMinimumWidth(280)
        top = QHBoxLayout()
        top.addWidget(coders_box, 2)
        top.addWidget(what_box, 3)

        self.assign_button = QPushButton("Assign")
        self.assign_button.setToolTip("Give the chosen recommendations to every ticked coder")
        self.remove_button = QPushButton("Remove assignment")
        self.remove_button.setToolTip(
            "Take the chosen recommendations back from every ticked coder"
        )
        self.assign_button.clicked.connect(self.assign_chosen)
        self.remove_button.clicked.connect(self.remove_chosen)
        actions = QHBoxLayout()
        actions.addWidget(self.assign_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)

        self.message = MessageLine()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # Enter in the new coder's name adds the coder; it must not also press a button.
        for button in (self.assign_button, self.remove_button, self.add_coder_button):
            button.setAutoDefault(False)
        for choice in buttons.buttons():
            if isinstance(choice, QPushButton):
                choice.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        self.lower_tabs = QTabWidget()
        self.lower_tabs.addTab(self._summary_box(), "Current assignments")
        self.lower_tabs.addTab(self._plan_box(), "Reliability sample plan")
        layout.addWidget(self.lower_tabs, 1)
        layout.addWidget(buttons)
        self.setMinimumSize(840, 640)
        self.resize(920, 720)
        fit_to_screen(self)

        self.reload()

    # ------------------------------------------------------------------ building

    @property
    def message_is_error(self) -> bool:
        return self.message.is_error

    def _coders_box(self) -> QGroupBox:
        box = QGroupBox("Coders")
        self.coder_list = QListWidget()
        self.coder_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.coder_list.setSpacing(2)
        self.new_coder_edit = QLineEdit()
        self.new_coder_edit.setPlaceholderText("New coder's name")
        self.new_coder_edit.returnPressed.connect(self.add_coder)
        self.add_coder_button = QPushButton("Add coder")
        self.add_coder_button.clicked.connect(self.add_coder)
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_coder_edit, 1)
        add_row.addWidget(self.add_coder_button)
        layout = QVBoxLayout(box)
        layout.addWidget(QLabel("Tick the coders to assign to:"))
        layout.addWidget(self.coder_list, 1)
        layout.addLayout(add_row)
        return box

    def _what_box(self) -> QGroupBox:
        box = QGroupBox("Recommendations")
        self.choice = QButtonGroup(self)
        self.all_radio = QRadioButton("All recommendations in the project")
        self.range_radio = QRadioButton("Recommendations by number, from one review:")
        self.sample_radio = QRadioButton("A random sample for double coding:")
        for radio in (self.all_radio, self.range_radio, self.sample_radio):
            self.choice.addButton(radio)
        self.all_radio.setChecked(True)

        self.review_combo = QComboBox()
        self.review_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.review_combo.currentIndexChanged.connect(self._review_chosen)
        self.first_edit = QLineEdit()
        self.last_edit = QLineEdit()
        for edit, example in ((self.first_edit, "28.1"), (self.last_edit, "28.40")):
            edit.setPlaceholderText(f"e.g. {example}")
            edit.setMaximumWidth(110)
        range_grid = QGridLayout()
        range_grid.addWidget(QLabel("Review"), 0, 0)
        range_grid.addWidget(self.review_combo, 0, 1, 1, 4)
        range_grid.addWidget(QLabel("From number"), 1, 0)
        range_grid.addWidget(self.first_edit, 1, 1)
        range_grid.addWidget(QLabel("to"), 1, 2)
        range_grid.addWidget(self.last_edit, 1, 3)
        range_grid.setColumnStretch(4, 1)

        self.share_spin = QSpinBox()
        self.share_spin.setRange(1, 100)
        self.share_spin.setValue(10)
        self.share_spin.setSuffix(" %")
        self.sample_review_combo = QComboBox()
        self.sample_review_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_147_483_647)
        self.seed_spin.setValue(1)
        self.seed_spin.setToolTip(
            "The same seed draws the same recommendations again: "
            "use it to give the same sample to another coder later."
        )
        self.stratify_check = QCheckBox("The same share of each published response")
        self.stratify_check.setToolTip(
            "Take the share from the supported and the noted recommendations separately, "
            "so that the sample has both in the project's proportions."
        )
        self.sample_size_label = QLabel("")
        self.sample_plan_label = QLabel("")
        sample_grid = QGridLayout()
        sample_grid.addWidget(QLabel("Share"), 0, 0)
        sample_grid.addWidget(self.share_spin, 0, 1)
        sample_grid.addWidget(QLabel("of"), 0, 2)
        sample_grid.addWidget(self.sample_review_combo, 0, 3, 1, 2)
        sample_grid.addWidget(QLabel("Seed"), 1, 0)
        sample_grid.addWidget(self.seed_spin, 1, 1)
        sample_grid.addWidget(self.sample_size_label, 1, 3, 1, 2)
        sample_grid.addWidget(self.stratify_check, 2, 0, 1, 5)
        sample_grid.addWidget(self.sample_plan_label, 3, 0, 1, 5)
        sample_grid.setColumnStretch(4, 1)

        # Touching an option's controls chooses that option.
        self.review_combo.activated.connect(lambda _: self.range_radio.setChecked(True))
        for edit in (self.first_edit, self.last_edit):
            edit.textEdited.connect(lambda _: self.range_radio.setChecked(True))
        for spin in (self.share_spin, self.seed_spin):
            spin.valueChanged.connect(lambda _: self.sample_radio.setChecked(True))
        self.sample_review_combo.activated.connect(lambda _: self.sample_radio.setChecked(True))
        self.stratify_check.toggled.connect(lambda _: self.sample_radio.setChecked(True))
        self.share_spin.valueChanged.connect(self._update_sample_size)
        self.sample_review_combo.currentIndexChanged.connect(self._update_sample_size)
        self.stratify_check.toggled.connect(self._update_sample_size)

        layout = QVBoxLayout(box)
        layout.addWidget(self.all_radio)
        layout.addWidget(self.range_radio)
        layout.addLayout(_indented(range_grid))
        layout.addWidget(self.sample_radio)
        layout.addLayout(_indented(sample_grid))
        layout.addStretch(1)
        return box

    def _plan_box(self) -> QWidget:
        box = QWidget()
        self.plan_label = QLabel("")
        self.plan_label.setWordWrap(True)
        self.plan_table = QTableWidget(0, len(PLAN_COLUMNS))
        self.plan_table.setHorizontalHeaderLabels(PLAN_COLUMNS)
        self.plan_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.plan_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.plan_table.verticalHeader().setVisible(False)
        self.plan_table.setWordWrap(False)
        header = self.plan_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(PLAN_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.plan_table.setMinimumHeight(100)
        layout = QVBoxLayout(box)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.plan_table, 1)
        return box

    def _summary_box(self) -> QWidget:
        box = QWidget()
        self.summary_table = QTableWidget(0, len(SUMMARY_COLUMNS))
        self.summary_table.setHorizontalHeaderLabels(SUMMARY_COLUMNS)
        self.summary_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.summary_table.verticalHeader().setVisible(False)
        header = self.summary_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(SUMMARY_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.summary_table.setMinimumHeight(130)
        self.overlap_label = QLabel("")
        self.overlap_label.setWordWrap(True)
        layout = QVBoxLayout(box)
        layout.addWidget(self.summary_table, 1)
        layout.addWidget(self.overlap_label)
        return box

    # ------------------------------------------------------------------- reading

    def reload(self) -> None:
        """Fill coders, reviews and the summary from the project, keeping the ticks."""
        ticked = {cid for cid, _ in self.checked_coders()}
        choices = assigning.assign_choices(self.project)
        ranges, total = choices.ranges, choices.total
        self.coder_list.clear()
        for cid, name, role in ((c.id, c.name, c.role) for c in choices.coders):
            label = name if role == "coder" else f"{name} ({role})"
            item = QListWidgetItem(label)
            item.setData(ID_ROLE, cid)
            item.setData(NAME_ROLE, name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            checked = Qt.CheckState.Checked if cid in ticked else Qt.CheckState.Unchecked
            item.setCheckState(checked)
            self.coder_list.addItem(item)
        if not choices.coders:
            self.coder_list.addItem(_placeholder("No coders yet: add one below."))

        self.all_radio.setText(f"All recommendations in the project ({_n(total)})")
        self.ranges = {r.review_id: r for r in ranges}
        current_range = self.review_combo.currentData()
        current_sample = self.sample_review_combo.currentData()
        self.review_combo.blockSignals(True)
        self.sample_review_combo.blockSignals(True)
        self.review_combo.clear()
        self.sample_review_combo.clear()
        self.sample_review_combo.addItem("all reviews", None)
        for review in ranges:
            self.review_combo.addItem(f"{review.label}: {_n(review.count)}", review.review_id)
            self.sample_review_combo.addItem(review.label, review.review_id)
        self.review_combo.setCurrentIndex(max(0, self.review_combo.findData(current_range)))
        self.sample_review_combo.setCurrentIndex(
            max(0, self.sample_review_combo.findData(current_sample))
        )
        self.review_combo.blockSignals(False)
        self.sample_review_combo.blockSignals(False)
        self.range_radio.setEnabled(bool(ranges))
        if not self.first_edit.text() and not self.last_edit.text():
            self._review_chosen()
        self._update_sample_size()
        self.refresh_summary()

    def refresh_summary(self) -> None:
        rows, totals = assigning.assignment_state(self.project)
        self.summary_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            if row.sees_everything:
                cells = [row.name, "none: sees all", "", "", ""]
            else:
                cells = [
                    row.name,
                    str(row.assigned),
                    str(row.done),
                    str(row.overlap),
                    str(row.overlap_done),
                ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.summary_table.setItem(r, c, item)
        self.refresh_plan()
        if not rows:
            self.overlap_label.setText("There are no coders in this project yet.")
        elif totals.units == 0:
            self.overlap_label.setText("No recommendation is assigned to two coders yet.")
        else:
            self.overlap_label.setText(
                f"{_n(totals.units)} {'is' if totals.units == 1 else 'are'} assigned to two or "
                f"more coders; {totals.done_by_two} of them "
                f"{'has' if totals.done_by_two == 1 else 'have'} been done by two."
            )

    def refresh_plan(self) -> None:
        """How many double-coded recommendations each field and theme needs, and whether
        the recommendations two coders have coded are enough."""
        try:
            plan = assigning.reliability_plan(self.project)
        except (ValueError, ProjectError) as error:
            self.plan = None
            self.plan_label.setText(f"The sample plan could not be made: {error}")
            self.plan_table.setRowCount(0)
            return
        self.plan = plan
        fill_plan_table(self.plan_table, plan)
        self.plan_label.setText(plan_words(plan))
        self._update_sample_size()

    def checked_coders(self) -> list[tuple[int, str]]:
        chosen = []
        for row in range(self.coder_list.count()):
            item = self.coder_list.item(row)
            if item.data(ID_ROLE) is not None and item.checkState() == Qt.CheckState.Checked:
                chosen.append((item.data(ID_ROLE), item.data(NAME_ROLE)))
        return chosen

    def set_checked(self, names: list[str]) -> None:
        """Tick exactly these coders (by name)."""
        for row in range(self.coder_list.count()):
            item = self.coder_list.item(row)
            if item.data(ID_ROLE) is None:
                continue
            wanted = item.data(NAME_ROLE) in names
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    # ------------------------------------------------------------------- actions

    def add_coder(self) -> None:
        name = self.new_coder_edit.text()

        done = guarded(self.message, lambda: assigning.add_coder(self.project, name))
        if done is None:
            return
        cid, cleaned, known = done.id, done.name, done.was_known
        self.new_coder_edit.clear()
        self.reload()
        for row in range(self.coder_list.count()):
            item = self.coder_list.item(row)
            if item.data(ID_ROLE) == cid:
                item.setCheckState(Qt.CheckState.Checked)
        if known:
            self.message.say(f"{cleaned} is already one of the project's coders; ticked.")
        else:
            self.message.say(f"Added {cleaned} to the project's coders.")

    def assign_chosen(self) -> None:
        coders = self._coders_or_complain()
        if not coders:
            return
        choice, how = self._choice(), ""
        if choice.which == "sample":
            how = self._sample_words()
        done = self._change(
            lambda: assigning.assign_to_coders(
                self.project, [cid for cid, _ in coders], choice, by_coder_id=self.coder_id
            )
        )
        if done is None:
            return
        total, new = done.total, done.new_by_coder
        names = join_names([name for _, name in coders])
        if not any(new.values()):
            self.message.say(f"{names} already had {_these(total)}; nothing changed.")
            return
        text = f"Assigned {_n(total)} to {names}{how}."
        if any(count != total for count in new.values()):
            parts = [f"{new[cid]} for {name}" for cid, name in coders]
            text += f" New: {join_names(parts)}; the rest they already had."
        self.message.say(text)
        self.assigned.emit()

    def remove_chosen(self) -> None:
        coders = self._coders_or_complain()
        if not coders:
            return
        done = self._change(
            lambda: assigning.remove_from_coders(
                self.project, [cid for cid, _ in coders], self._choice(), by_coder_id=self.coder_id
            )
        )
        if done is None:
            return
        removed = done.removed_by_coder
        free = [name for cid, name in coders if cid in done.now_free]
        names = join_names([name for _, name in coders])
        if not any(removed.values()):
            self.message.say(
                f"{names} had none of these recommendations assigned; nothing changed."
            )
            return
        if len(coders) == 1 or len(set(removed.values())) == 1:
            text = f"Removed {_n(max(removed.values()))} from {names}."
        else:
            parts = [f"{_n(removed[cid])} from {name}" for cid, name in coders]
            text = f"Removed {join_names(parts)}."
        if free:
            has, sees = ("has", "sees") if len(free) == 1 else ("have", "see")
            text += f" {join_names(free)} now {has} no assignment and {sees} every recommendation."
        self.message.say(text)
        self.assigned.emit()

    # ------------------------------------------------------------------- helpers

    def _change(self, work: Callable[[], T]) -> T | None:
        """One change (one transaction in the service); a refusal is shown, and after
        a change the summary shows the new state."""
        result = guarded(self.message, work)
        if result is not None:
            self.refresh_summary()
        return result

    def _coders_or_complain(self) -> list[tuple[int, str]]:
        coders = self.checked_coders()
        if not coders:
            self.message.say("Tick at least one coder in the list first.", error=True)
        return coders

    def _choice(self) -> assigning.Choice:
        which: assigning.Which = (
            "sample"
            if self.sample_radio.isChecked()
            else "range"
            if self.range_radio.isChecked()
            else "all"
        )
        return assigning.Choice(
            which,
            review_id=self.review_combo.currentData(),
            first=self.first_edit.text(),
            last=self.last_edit.text(),
            share=self.share_spin.value() / 100,
            seed=self.seed_spin.value(),
            stratify_by=self._stratify_by(),
            sample_reviews=self._sample_reviews(),
        )

    def _stratify_by(self) -> str | None:
        return "position" if self.stratify_check.isChecked() else None

    def _sample_reviews(self) -> list[int] | None:
        review_id = self.sample_review_combo.currentData()
        return None if review_id is None else [review_id]

    def _sample_words(self) -> str:
        how = ", the same share of each response" if self.stratify_check.isChecked() else ""
        return f" (a {self.share_spin.value()} % sample{how}, seed {self.seed_spin.value()})"

    def _review_chosen(self, *_: object) -> None:
        review = self.ranges.get(self.review_combo.currentData())
        if review is not None:
            self.first_edit.setText(review.first_number)
            self.last_edit.setText(review.last_number)

    def _update_sample_size(self, *_: object) -> None:
        try:
            size = assigning.sample_size(self.project, self._choice())
        except ValueError:
            self.sample_size_label.setText("")
            return
        self.sample_size_label.setText(f"draws {_n(size)}")
        plan, hint = self.plan, ""
        if plan is not None:
            planned = [f for f in plan.fields() if f.needs() is not None]
            if planned:
                most = max(planned, key=lambda f: f.needs() or 0)
                hint = (
                    f"The reliability plan asks for {most.needs()} double-coded "
                    f"({most.field_label}); {most.have} now."
                )
        self.sample_plan_label.setText(hint)
        self.sample_plan_label.setVisible(bool(hint))


def _indented(inner: QGridLayout) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addSpacing(INDENT)
    row.addLayout(inner, 1)
    return row


def _placeholder(text: str) -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setFlags(Qt.ItemFlag.NoItemFlags)
    return item


def _n(count: int) -> str:
    return f"{count} recommendation" if count == 1 else f"{count} recommendations"


def _these(count: int) -> str:
    return "this recommendation" if count == 1 else f"these {count} recommendations"
