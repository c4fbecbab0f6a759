"""How a value reads in the Disagreements window, and the small dialog where an
adjudicator writes a new one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.coding_form import code_tooltip
from annotator.services.coding import CodeSpec, FieldSpec, FieldValue

ITEM_ROLE = Qt.ItemDataRole.UserRole
DIFFERS = QColor("#ffe08a")  # amber: readable with dark text on light and dark themes
DIFFERS_TEXT = QColor("#202020")


def code_text(spec: FieldSpec, code: CodeSpec) -> str:
    """A code as shown: a point of a scale with its number, so the order is in sight."""
    return f"{code.key}. {code.label}" if spec.kind == "ordinal" else code.label


def describe_value(spec: FieldSpec, value: FieldValue | None) -> str:
    """A value as a sentence fragment: code labels, yes / no, or the text."""
    if value is None:
        return "not decided yet"
    if spec.is_choice:
        labels = [code_text(spec, c) for c in spec.codes if c.id in value.codes]
        return ", ".join(labels) if labels else "no code"
    if spec.kind == "boolean":
        return "yes" if (value.text or "").strip().casefold() == "true" else "no"
    return f"“{value.text}”" if value.text else "nothing written"


def value_cell(
    text: str, differs: bool, tooltip: str = "", *, center: bool = False
) -> QTableWidgetItem:
    """A cell of the side-by-side comparison; what the coders differ on is highlighted."""
    cell = QTableWidgetItem(text)
    if differs:
        cell.setBackground(QBrush(DIFFERS))
        cell.setForeground(QBrush(DIFFERS_TEXT))
    if tooltip:
        cell.setToolTip(tooltip)
    if center:
        cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    return cell


class ValueEditor(QDialog):
    """A small editor for a value none of the coders gave."""

    def __init__(self, spec: FieldSpec, value: FieldValue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setWindowTitle(f"New value: {spec.label}")
        layout = QVBoxLayout(self)
        hint = {
            "multi": "Tick every code that applies.",
            "single": "Choose the code that applies.",
            "ordinal": "Choose the point on the scale.",
            "boolean": "Tick for yes, leave empty for no.",
            "text": "Write the final text.",
        }[spec.kind]
        layout.addWidget(QLabel(hint))
        self.codes: QListWidget | None = None
        self.box: QCheckBox | None = None
        self.text: QPlainTextEdit | None = None
        if spec.is_choice:
            self.codes = QListWidget()
            multi = spec.kind == "multi"
            self.codes.setSelectionMode(
                QAbstractItemView.SelectionMode.NoSelection
                if multi
                else QAbstractItemView.SelectionMode.SingleSelection
            )
            for code in spec.codes:
                if code.retired and code.id not in value.codes:
                    continue
                indent = "    " if code.parent_id else ""
                item = QListWidgetItem(f"{indent}{code_text(spec, code)}")
                item.setData(ITEM_ROLE, code.id)
                item.setToolTip(code_tooltip(code))
                if multi:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    checked = code.id in value.codes
                    item.setCheckState(
                        Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                    )
                self.codes.addItem(item)
                if not multi and code.id in value.codes:
                    item.setSelected(True)
                    self.codes.setCurrentItem(item)
            layout.addWidget(self.codes, 1)
            self.resize(460, 520 if multi else 360)
        elif spec.kind == "boolean":
            self.box = QCheckBox(spec.label)
            self.box.setChecked((value.text or "") == "true")
            layout.addWidget(self.box)
        else:
            self.text = QPlainTextEdit(value.text or "")
            layout.addWidget(self.text, 1)
            self.resize(460, 260)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Decide this value")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def item_for(self, code_key: str) -> QListWidgetItem:
        """The entry of a code (for tests and keyboard helpers)."""
        assert self.codes is not None
        code_id = next(c.id for c in self.spec.codes if c.key == code_key)
        for row in range(self.codes.count()):
            item = self.codes.item(row)
            if item.data(ITEM_ROLE) == code_id:
                return item
        raise KeyError(code_key)

    def value(self) -> FieldValue:
        if self.codes is not None:
            if self.spec.kind == "multi":
                chosen = {
                    self.codes.item(r).data(ITEM_ROLE)
                    for r in range(self.codes.count())
                    if self.codes.item(r).checkState() == Qt.CheckState.Checked
                }
            else:
                chosen = {item.data(ITEM_ROLE) for item in self.codes.selectedItems()}
            return FieldValue(frozenset(chosen))
        if self.box is not None:
            return FieldValue(text="true" if self.box.isChecked() else None)
        assert self.text is not None
        return FieldValue(text=self.text.toPlainText().strip() or None)
