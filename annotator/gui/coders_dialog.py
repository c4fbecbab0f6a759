"""Coders ▸ Manage: the project's coders, their roles, adding, renaming, retiring.

Every change goes through ``annotator.services.coders``, which checks that the person
at the keyboard is a coordinator; the dialog greys out what their role cannot do and
shows any refusal in words.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.screen_fit import fit_to_screen
from annotator.services import coders, permissions
from annotator.store.errors import ProjectError
from annotator.store.project import Project

ROLE_HELP = {
    "coder": "codes blind: sees only their own work",
    "adjudicator": "also sees everyone's codes and decides the final values",
    "coordinator": "also edits the codebook, assigns work, makes and merges packages, "
    "manages coders",
}
HEADERS = ("Name", "Role", "Recommendations coded", "Status")


class CodersDialog(QDialog):
    """List the coders; a coordinator adds, renames, gives roles, retires and restores."""

    changed = Signal()

    def __init__(self, project: Project, coder_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Coders and roles")
        self.project = project
        self.coder_id = coder_id
        self.message_is_error = False
        self._filling = False

        intro = QLabel(
            "Who works on this project and what each may do. "
            + " ".join(f"<b>{role.capitalize()}</b>: {text}." for role, text in ROLE_HELP.items())
        )
        intro.setWordWrap(True)

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self._ask_rename)
        self.retire_button = QPushButton("Retire")
        self.retire_button.setToolTip("They can no longer code; their work stays in the project")
        self.retire_button.clicked.connect(self.retire_or_restore_selected)
        self.claim_button = QPushButton("Become coordinator")
        self.claim_button.setToolTip("This project has no coordinator yet")
        self.claim_button.clicked.connect(self.become_coordinator)
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(self.rename_button)
        row_buttons.addWidget(self.retire_button)
        row_buttons.addStretch(1)
        row_buttons.addWidget(self.claim_button)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Name of the new coder")
        self.name_edit.returnPressed.connect(self.add_from_form)
        self.role_box = QComboBox()
        for role in coders.CODER_ROLES:
            self.role_box.addItem(role.capitalize(), role)
        self.add_button = QPushButton("Add coder")
        self.add_button.clicked.connect(self.add_from_form)
        add_row = QHBoxLayout()
        add_row.addWidget(QLabel("New coder:"))
        add_row.addWidget(self.name_edit, 1)
        add_row.addWidget(QLabel("as"))
        add_row.addWidget(self.role_box)
        add_row.addWidget(self.add_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_buttons)
        layout.addLayout(add_row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumSize(560, 380)
        self.resize(680, 460)
        fit_to_screen(self)
        self.refresh()

    # -- reading ----------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            overview = coders.coders_overview(self.project, self.coder_id)
        except ProjectError as error:
            self.say(f"The coders could not be read: {error}", error=True)
            return
        rows, my_role = overview.rows, overview.my_role
        self.may_manage, self.may_claim = overview.may_manage, overview.may_claim
        self.rows = rows
        self._filling = True
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            name = QTableWidgetItem(row.name + (" (you)" if row.id == self.coder_id else ""))
            name.setData(Qt.ItemDataRole.UserRole, row.id)
            self.table.setItem(number, 0, name)
            role = QComboBox()
            for choice in coders.CODER_ROLES:
                role.addItem(choice.capitalize(), choice)
            role.setCurrentIndex(coders.CODER_ROLES.index(row.role))
            role.setEnabled(self.may_manage and not row.retired)
            role.setToolTip(ROLE_HELP[row.role])
            role.currentIndexChanged.connect(
                lambda _=0, cid=row.id, box=role: self.set_role(cid, box.currentData())
            )
            self.table.setCellWidget(number, 1, role)
            coded = QTableWidgetItem(str(row.coded))
            coded.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(number, 2, coded)
            status = QTableWidgetItem("retired" if row.retired else "active")
            status.setToolTip(
                "Their work stays; they cannot code and are not offered in lists"
                if row.retired
                else ""
            )
            self.table.setItem(number, 3, status)
        self._filling = False
        for widget in (self.name_edit, self.role_box, self.add_button):
            widget.setEnabled(self.may_manage)
        self.claim_button.setVisible(self.may_claim)
        if not self.may_manage and not self.message_is_error:
            who = (
                f"you are {permissions.ROLE_NAMES[my_role]}"
                if my_role
                else "you are not a coder here"
            )
            self.say(f"Only a coordinator can manage coders; {who}.")
        self._update_buttons()

    def selected_id(self) -> int | None:
        items = self.table.selectedItems()
        if not items:
            return None
        cell = self.table.item(items[0].row(), 0)
        return None if cell is None else cell.data(Qt.ItemDataRole.UserRole)

    def select(self, name: str) -> None:
        for number, row in enumerate(self.rows):
            if row.name == name:
                self.table.selectRow(number)
                return

    def _selected_row(self) -> coders.CoderRow | None:
        cid = self.selected_id()
        return next((r for r in self.rows if r.id == cid), None)

    def _update_buttons(self) -> None:
        row = self._selected_row()
        self.rename_button.setEnabled(self.may_manage and row is not None)
        self.retire_button.setEnabled(self.may_manage and row is not None)
        self.retire_button.setText("Restore" if row is not None and row.retired else "Retire")

    def say(self, text: str, *, error: bool = False) -> None:
        self.message_is_error = error
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "")

    # -- changing ---------------------------------------------------------------------
    def _change(self, change: coders.CoderChange, done: str) -> bool:
        try:
            coders.change_coders(self.project, change, by_coder_id=self.coder_id)
        except (ValueError, ProjectError) as error:
            self.say(str(error), error=True)
            self.refresh()
            return False
        self.message_is_error = False
        self.say(done)
        self.refresh()
        self.changed.emit()
        return True

    def add_from_form(self) -> bool:
        name, role = self.name_edit.text(), self.role_box.currentData()
        ok = self._change(
            coders.CoderChange("add", name=name, role=role),
            f"Added {' '.join(name.split())} as {role}.",
        )
        if ok:
            self.name_edit.clear()
        return ok

    def set_role(self, coder_id: int, role: str) -> bool:
        if self._filling:
            return False
        name = next((r.name for r in self.rows if r.id == coder_id), "")
        return self._change(
            coders.CoderChange("role", coder_id, role=role),
            f"{name} is now {role}.",
        )

    def rename_selected(self, new_name: str) -> bool:
        row = self._selected_row()
        if row is None:
            return False
        return self._change(
            coders.CoderChange("rename", row.id, name=new_name),
            f"Renamed {row.name} to {' '.join(new_name.split())}; their work goes with them.",
        )

    def _ask_rename(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        name, ok = QInputDialog.getText(self, "Rename a coder", "New name:", text=row.name)
        if ok:
            self.rename_selected(name)

    def retire_or_restore_selected(self) -> bool:
        row = self._selected_row()
        if row is None:
            return False
        if row.retired:
            return self._change(
                coders.CoderChange("restore", row.id),
                f"{row.name} can code again.",
            )
        return self._change(
            coders.CoderChange("retire", row.id),
            f"Retired {row.name}: their work stays, they can no longer code.",
        )

    def become_coordinator(self) -> bool:
        if self.coder_id is None:
            return False
        return self._change(
            coders.CoderChange("role", self.coder_id, role="coordinator"),
            "You are now this project's coordinator.",
        )
