"""The right side of Codebook ▸ Edit: a field's description, or the form of one code
(its label, definition, include and exclude rules, example, colour, shortcut, keywords).

The pages only show and collect values; the editor (``codebook_editor``) saves them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from annotator import codebook as cbk
from annotator.services import codebook as ce

SWATCH = 12
CHOICE_KINDS = ("multi", "single", "ordinal")


def plural(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def swatch(colour: str | None) -> QIcon:
    """A small square of the code's colour (empty without one)."""
    pixmap = QPixmap(SWATCH, SWATCH)
    pixmap.fill(QColor(colour) if colour else Qt.GlobalColor.transparent)
    return QIcon(pixmap)


def escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def field_description(fld: cbk.Field) -> str:
    """The page shown for a field (rich text): its kind, key, description and codes."""
    kind = ce.KIND_NAMES.get(fld.kind, fld.kind)
    parts = [
        f"<h3>{escape_html(fld.label)}</h3>",
        f"<p>A {kind} field{', required' if fld.required else ''} · key "
        f"<code>{escape_html(fld.key)}</code></p>",
    ]
    if fld.description:
        parts.append(f"<p>{escape_html(fld.description)}</p>")
    if fld.kind in CHOICE_KINDS:
        retired = sum(c.retired for c in fld.codes)
        parts.append(
            f"<p>{plural(len(fld.codes), 'code')}"
            + (f", {retired} of them retired" if retired else "")
            + ". Select a code to edit it, or add a code to this field.</p>"
        )
    else:
        parts.append("<p>Coders answer this field directly; it has no codes.</p>")
    return "".join(parts)


class CodeForm(QWidget):
    """The editable values of the code shown; ``edited`` on every change a person makes."""

    edited = Signal()  # a person changed a value (not the form being filled)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.where_label = QLabel()
        self.where_label.setWordWrap(True)
        self.where_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.label_edit = QLineEdit()
        lines = self.fontMetrics().lineSpacing()
        self.text_edits: dict[str, QPlainTextEdit] = {}
        for attr, rows in (("definition", 4), ("include", 3), ("exclude", 3), ("example", 2)):
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(lines * rows + 12)
            edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            self.text_edits[attr] = edit
        self.text_edits["include"].setPlaceholderText("When to apply this code")
        self.text_edits["exclude"].setPlaceholderText("When not to apply it (and what to use)")
        self.text_edits["example"].setPlaceholderText("A recommendation this code fits")
        self.colour_button = QPushButton("Choose…")
        self.colour_button.clicked.connect(self.choose_colour)
        self.no_colour_button = QPushButton("No colour")
        self.no_colour_button.clicked.connect(lambda: self.set_colour(None))
        self.colour_label = QLabel()
        colour_row = QHBoxLayout()
        colour_row.addWidget(self.colour_label)
        colour_row.addWidget(self.colour_button)
        colour_row.addWidget(self.no_colour_button)
        colour_row.addStretch(1)
        self.shortcut_edit = QLineEdit()
        self.shortcut_edit.setPlaceholderText("e.g. t, 7, Alt+3 or Ctrl+Shift+x")
        self.keywords_edit = QLineEdit()
        self.keywords_edit.setPlaceholderText("words that suggest this code, separated by ;")
        self._colour: str | None = None

        self.label_edit.textChanged.connect(self._edited)
        self.shortcut_edit.textChanged.connect(self._edited)
        self.keywords_edit.textChanged.connect(self._edited)
        for edit in self.text_edits.values():
            edit.textChanged.connect(self._edited)

        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.revert_button = QPushButton("Discard changes")
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.save_button)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Label:", self.label_edit)
        form.addRow("Definition:", self.text_edits["definition"])
        form.addRow("Include:", self.text_edits["include"])
        form.addRow("Exclude:", self.text_edits["exclude"])
        form.addRow("Example:", self.text_edits["example"])
        form.addRow("Colour:", colour_row)
        form.addRow("Shortcut:", self.shortcut_edit)
        form.addRow("Keywords:", self.keywords_edit)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.where_label)
        layout.addLayout(form, 1)
        layout.addLayout(actions)

    def fill(self, fld: cbk.Field, code: cbk.Code, used: int) -> None:
        """Show one code; ``used``: how many annotations use it."""
        self._filling = True
        try:
            self.title_label.setText(code.label + ("  (retired)" if code.retired else ""))
            parent = fld.code(code.parent).label if code.parent else None
            facts = [
                f"Key: {code.key}",
                f"field: {fld.label}",
                f"under: {parent}" if parent else "",
                "used by " + plural(used, "annotation") if used else "not used yet",
            ]
            text = " · ".join(f for f in facts if f)
            if code.retired:
                text += "\nRetired: no longer offered to coders; Restore offers it again."
            self.where_label.setText(text)
            self.label_edit.setText(code.label)
            for attr, edit in self.text_edits.items():
                edit.setPlainText(getattr(code, attr))
            self.set_colour(code.colour, edited=False)
            self.shortcut_edit.setText(code.shortcut or "")
            self.keywords_edit.setText("; ".join(code.keywords))
            for line in (self.label_edit, self.shortcut_edit, self.keywords_edit):
                line.setCursorPosition(0)  # show the start of a long text, not its end
        finally:
            self._filling = False

    def set_colour(self, colour: str | None, *, edited: bool = True) -> None:
        self._colour = colour
        self.colour_label.setPixmap(swatch(colour).pixmap(18, 18))
        self.colour_label.setText("" if colour else "none")
        if colour:
            self.colour_label.setToolTip(colour)
        self.no_colour_button.setEnabled(colour is not None)
        if edited:
            self._edited()

    def choose_colour(self) -> None:
        start = QColor(self._colour) if self._colour else QColor("#1f77b4")
        colour = QColorDialog.getColor(start, self, "Colour of the code")
        if colour.isValid():
            self.set_colour(colour.name())

    def values(self) -> dict[str, Any]:
        keywords = [w.strip() for w in self.keywords_edit.text().split(";")]
        values: dict[str, Any] = {
            "label": self.label_edit.text().strip(),
            "colour": self._colour,
            "shortcut": self.shortcut_edit.text().strip() or None,
            "keywords": [w for w in keywords if w],
        }
        for attr, edit in self.text_edits.items():
            values[attr] = edit.toPlainText()
        return values

    def _edited(self, *_args: object) -> None:
        if not self._filling:
            self.edited.emit()
