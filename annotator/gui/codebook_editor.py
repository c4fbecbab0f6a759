"""Codebook ▸ Edit: the fields and codes of the project's codebook, and a form per code.

Every change is saved through ``annotator.services.codebook`` and committed at
once; the dialog emits ``changed`` afterwards so the main window can rebuild its coding
form. Edits in the form are saved with Save, or when another code is selected or the
dialog is closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator import codebook as cbk
from annotator.services import codebook as ce
from annotator.services.codebook import active_codebook
from annotator.store.project import Project

log = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole
CHOICE_KINDS = ("multi", "single", "ordinal")
TEXT_ATTRIBUTES = ("definition", "include", "exclude", "example")
TOP_LEVEL = "(top level: no parent)"
SWATCH = 12


def _plural(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _swatch(colour: str | None) -> QIcon:
    pixmap = QPixmap(SWATCH, SWATCH)
    pixmap.fill(QColor(colour) if colour else Qt.GlobalColor.transparent)
    return QIcon(pixmap)


def _code_name(code: cbk.Code) -> str:
    return f"'{code.label}' ({code.key})"


class NewCodeDialog(QDialog):
    """The label and key of a new code; the key follows the label until edited."""

    def __init__(self, fld: cbk.Field, parent_code: cbk.Code | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.fld = fld
        self.setWindowTitle("Add code")
        where = f"under {_code_name(parent_code)}" if parent_code else "at the top level"
        intro = QLabel(f"A new code in field '{fld.label}', {where}.")
        intro.setWordWrap(True)
        self.label_edit = QLineEdit()
        self.key_edit = QLineEdit()
        self.key_edit.setToolTip(
            "The code's stable name in files and exports: lower-case letters, digits, "
            "'_', '.' and '-'. It cannot be changed later."
        )
        self._key_edited = False
        self.label_edit.textChanged.connect(self._suggest)
        self.key_edit.textEdited.connect(self._mark_key_edited)
        if fld.kind == "ordinal":
            # Ordinal codes are keyed by their place on the scale.
            self.key_edit.setText(ce.suggest_code_key(fld, ""))
            self.key_edit.setReadOnly(True)
        form = QFormLayout()
        form.addRow("Label:", self.label_edit)
        form.addRow("Key:", self.key_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(440, self.sizeHint().height())

    def _mark_key_edited(self, _text: str) -> None:
        self._key_edited = True

    def _suggest(self, label: str) -> None:
        if not self._key_edited and self.fld.kind != "ordinal":
            self.key_edit.setText(ce.suggest_code_key(self.fld, label) if label.strip() else "")

    def code(self, parent_key: str | None) -> cbk.Code:
        return cbk.Code(
            key=self.key_edit.text().strip(),
            label=self.label_edit.text().strip(),
            parent=parent_key,
        )


class NewFieldDialog(QDialog):
    """A new field: its label, key, kind, and for choice fields a first code."""

    def __init__(self, book: cbk.Codebook, parent: QWidget) -> None:
        super().__init__(parent)
        self.book = book
        self.setWindowTitle("Add field")
        self.label_edit = QLineEdit()
        self.key_edit = QLineEdit()
        self._key_edited = False
        self.label_edit.textChanged.connect(self._suggest)
        self.key_edit.textEdited.connect(self._mark_key_edited)
        self.kind_box = QComboBox()
        for kind, name in ce.KIND_NAMES.items():
            self.kind_box.addItem(name, kind)
        self.required_box = QCheckBox("Coders must fill it in")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.first_code_edit = QLineEdit()
        self.first_code_edit.setPlaceholderText("Label of the first code")
        self.first_code_label = QLabel("First code:")
        form = QFormLayout()
        form.addRow("Label:", self.label_edit)
        form.addRow("Key:", self.key_edit)
        form.addRow("Kind:", self.kind_box)
        form.addRow("", self.required_box)
        form.addRow("Description:", self.description_edit)
        form.addRow(self.first_code_label, self.first_code_edit)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            "Multi-choice, single-choice and ordinal fields need at least one code; add the "
            "others after this one. Yes/no and free-text fields have no codes."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._kind_changed()
        self.resize(500, self.sizeHint().height())

    def _mark_key_edited(self, _text: str) -> None:
        self._key_edited = True

    def _suggest(self, label: str) -> None:
        if not self._key_edited:
            self.key_edit.setText(ce.suggest_field_key(self.book, label) if label.strip() else "")

    def _kind_changed(self, _index: int = 0) -> None:
        has_codes = self.kind_box.currentData() in CHOICE_KINDS
        self.first_code_edit.setVisible(has_codes)
        self.first_code_label.setVisible(has_codes)

    def field(self) -> cbk.Field:
        kind = self.kind_box.currentData()
        fld = cbk.Field(
            key=self.key_edit.text().strip(),
            label=self.label_edit.text().strip(),
            kind=kind,
            description=self.description_edit.toPlainText().strip(),
            required=self.required_box.isChecked(),
        )
        label = self.first_code_edit.text().strip()
        if kind in CHOICE_KINDS and label:
            fld.codes.append(cbk.Code(key=ce.suggest_code_key(fld, label), label=label))
        return fld


class CodebookEditor(QDialog):
    """Edit the project's active codebook; ``changed`` is emitted after every saved change."""

    changed = Signal()

    def __init__(self, project: Project, coder_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.coder_id = coder_id
        self.book: cbk.Codebook | None = None
        self.usage: dict[tuple[str, str], int] = {}
        self.last_merge: ce.MergeInfo | None = None
        self._shown: tuple[str, str | None] | None = None  # what the right side shows
        self._filling = False
        self.setWindowTitle("Edit codebook")

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Field / code", "Key", "Shortcut"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 165)
        self.tree.currentItemChanged.connect(self._current_changed)

        self.add_code_button = QPushButton("Add code…")
        self.add_child_button = QPushButton("Add child code…")
        self.add_field_button = QPushButton("Add field…")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.parent_button = QPushButton("Move under…")
        self.retire_button = QPushButton("Retire")
        self.merge_button = QPushButton("Merge into…")
        self.undo_merge_button = QPushButton("Undo last merge")
        self.add_code_button.setToolTip("Add a code next to the selected one")
        self.add_child_button.setToolTip("Add a code under the selected one")
        self.parent_button.setToolTip("Put the selected code, with its own codes, under another")
        self.retire_button.setToolTip(
            "A retired code is no longer offered to coders; recommendations already coded "
            "with it keep it"
        )
        self.merge_button.setToolTip(
            "Move every use of the selected code to another code of the same field, and retire it"
        )
        self.add_code_button.clicked.connect(lambda: self.add_code(child=False))
        self.add_child_button.clicked.connect(lambda: self.add_code(child=True))
        self.add_field_button.clicked.connect(self.add_field)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(+1))
        self.parent_button.clicked.connect(self.move_under)
        self.retire_button.clicked.connect(self.toggle_retired)
        self.merge_button.clicked.connect(self.merge_into)
        self.undo_merge_button.clicked.connect(self.undo_last_merge)
        grid = QGridLayout()
        buttons = (
            (self.add_code_button, self.add_child_button, self.add_field_button),
            (self.up_button, self.down_button, self.parent_button),
            (self.retire_button, self.merge_button, self.undo_merge_button),
        )
        for row, line in enumerate(buttons):
            for column, button in enumerate(line):
                grid.addWidget(button, row, column)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        left_layout.addLayout(grid)

        self.field_info = QLabel()
        self.field_info.setWordWrap(True)
        self.field_info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.field_info.setTextFormat(Qt.TextFormat.RichText)
        self.field_info.setContentsMargins(8, 8, 8, 8)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.field_info)
        self.stack.addWidget(self._build_form())

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([640, 540])

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self.resize(1180, 760)
        self.reload()

    # -- the form --------------------------------------------------------------------
    def _build_form(self) -> QWidget:
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
        self.no_colour_button.clicked.connect(lambda: self._set_colour(None))
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

        self.label_edit.textChanged.connect(self._form_edited)
        self.shortcut_edit.textChanged.connect(self._form_edited)
        self.keywords_edit.textChanged.connect(self._form_edited)
        for edit in self.text_edits.values():
            edit.textChanged.connect(self._form_edited)

        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save_form)
        self.revert_button = QPushButton("Discard changes")
        self.revert_button.clicked.connect(self._revert_form)
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

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.title_label)
        layout.addWidget(self.where_label)
        layout.addLayout(form, 1)
        layout.addLayout(actions)
        return page

    def _fill_form(self, fld: cbk.Field, code: cbk.Code) -> None:
        self._filling = True
        try:
            self.title_label.setText(code.label + ("  (retired)" if code.retired else ""))
            used = self.usage.get((fld.key, code.key), 0)
            parent = fld.code(code.parent).label if code.parent else None
            facts = [
                f"Key: {code.key}",
                f"field: {fld.label}",
                f"under: {parent}" if parent else "",
                "used by " + _plural(used, "annotation") if used else "not used yet",
            ]
            text = " · ".join(f for f in facts if f)
            if code.retired:
                text += "\nRetired: no longer offered to coders; Restore offers it again."
            self.where_label.setText(text)
            self.label_edit.setText(code.label)
            for attr, edit in self.text_edits.items():
                edit.setPlainText(getattr(code, attr))
            self._set_colour(code.colour, edited=False)
            self.shortcut_edit.setText(code.shortcut or "")
            self.keywords_edit.setText("; ".join(code.keywords))
            for line in (self.label_edit, self.shortcut_edit, self.keywords_edit):
                line.setCursorPosition(0)  # show the start of a long text, not its end
        finally:
            self._filling = False
        self._update_buttons()

    def _set_colour(self, colour: str | None, *, edited: bool = True) -> None:
        self._colour = colour
        self.colour_label.setPixmap(_swatch(colour).pixmap(18, 18))
        self.colour_label.setText("" if colour else "none")
        if colour:
            self.colour_label.setToolTip(colour)
        self.no_colour_button.setEnabled(colour is not None)
        if edited:
            self._form_edited()

    def choose_colour(self) -> None:
        start = QColor(self._colour) if self._colour else QColor("#1f77b4")
        colour = QColorDialog.getColor(start, self, "Colour of the code")
        if colour.isValid():
            self._set_colour(colour.name())

    def _form_values(self) -> dict[str, Any]:
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

    def form_changes(self) -> dict[str, Any]:
        """What the form would change in the shown code (empty if nothing)."""
        code = self._shown_code()
        if code is None:
            return {}
        changes = {}
        for attr, value in self._form_values().items():
            current = getattr(code, attr)
            if attr == "label":
                current = current.strip()
            if attr == "shortcut" and value is not None and current is not None:
                try:
                    same = cbk.normalise_shortcut(value) == current
                except ValueError:
                    same = False
                if same:
                    continue
            if value != current:
                changes[attr] = value
        return changes

    def _form_edited(self, *_args: object) -> None:
        if not self._filling:
            self._update_buttons()

    def _revert_form(self) -> None:
        shown = self._shown_field_code()
        if shown is not None:
            self._fill_form(*shown)
        self.show_message("")

    def save_form(self) -> bool:
        """Save the form's changes to the shown code; False (with the reason shown) if refused."""
        changes = self.form_changes()
        shown = self._shown
        if not changes or shown is None or shown[1] is None:
            return True
        field_key, code_key = shown[0], shown[1]
        label = changes.get("label") or self._shown_code_label()
        return self._run(
            lambda session: ce.edit_code(
                session, field_key, code_key, coder_id=self.coder_id, **changes
            ),
            refresh=(field_key, code_key),
            done=f"Saved code '{label}'",
        )

    def _shown_code_label(self) -> str:
        code = self._shown_code()
        return code.label if code else ""

    # -- reading the codebook --------------------------------------------------------
    def _read(self) -> None:
        with self.project.session() as session:
            self.book = active_codebook(session)
            self.usage = ce.usage_counts(session)
            self.last_merge = ce.last_merge(session)

    def reload(self, select: tuple[str, str | None] | None = None) -> None:
        """Read the codebook again and rebuild the tree, selecting ``select`` if given."""
        self._read()
        select = select or self._shown
        self._shown = None
        self._filling = True
        self.tree.blockSignals(True)
        try:
            self.tree.clear()
            chosen: QTreeWidgetItem | None = None
            for fld in self.book.fields if self.book else []:
                item = self._field_item(fld)
                self.tree.addTopLevelItem(item)
                if select == (fld.key, None):
                    chosen = item
                items: dict[str, QTreeWidgetItem] = {}
                for code in fld.codes:
                    items[code.key] = self._code_item(fld, code)
                for code in fld.codes:
                    owner = items.get(code.parent) if code.parent else None
                    (owner or item).addChild(items[code.key])
                    if select == (fld.key, code.key):
                        chosen = items[code.key]
            self.tree.expandAll()
            if chosen is None and self.tree.topLevelItemCount():
                chosen = self.tree.topLevelItem(0)
            if chosen is not None:
                self.tree.setCurrentItem(chosen)
                self.tree.scrollToItem(chosen)
        finally:
            self.tree.blockSignals(False)
            self._filling = False
        self._show_item(self.tree.currentItem())

    def _field_item(self, fld: cbk.Field) -> QTreeWidgetItem:
        item = QTreeWidgetItem([f"{fld.label} — {ce.KIND_NAMES.get(fld.kind, fld.kind)}", fld.key])
        font = QFont(self.tree.font())
        font.setBold(True)
        item.setFont(0, font)
        item.setData(0, KEY_ROLE, (fld.key, None))
        if fld.description:
            item.setToolTip(0, fld.description)
        return item

    def _code_item(self, fld: cbk.Field, code: cbk.Code) -> QTreeWidgetItem:
        item = QTreeWidgetItem()
        item.setData(0, KEY_ROLE, (fld.key, code.key))
        self._decorate(item, code)
        return item

    def _decorate(self, item: QTreeWidgetItem, code: cbk.Code) -> None:
        item.setText(0, code.label + (" (retired)" if code.retired else ""))
        item.setText(1, code.key)
        item.setText(2, code.shortcut or "")
        item.setIcon(0, _swatch(code.colour))
        item.setToolTip(0, code.definition)
        grey = QBrush(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        for column in range(3):
            if code.retired:
                item.setForeground(column, grey)
            else:
                item.setData(column, Qt.ItemDataRole.ForegroundRole, None)

    def _item(self, key: tuple[str, str | None]) -> QTreeWidgetItem | None:
        pending = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while pending:
            item = pending.pop()
            if item is None:
                continue
            if item.data(0, KEY_ROLE) == key:
                return item
            pending.extend(item.child(i) for i in range(item.childCount()))
        return None

    def _shown_field_code(self) -> tuple[cbk.Field, cbk.Code] | None:
        if self._shown is None or self._shown[1] is None or self.book is None:
            return None
        try:
            fld = self.book.field(self._shown[0])
            return fld, fld.code(self._shown[1])
        except KeyError:
            return None

    def _shown_code(self) -> cbk.Code | None:
        shown = self._shown_field_code()
        return shown[1] if shown else None

    def _current_changed(
        self, current: QTreeWidgetItem | None, previous: QTreeWidgetItem | None
    ) -> None:
        # The tree is not rebuilt while it changes its current item: a form save only
        # updates the saved code's own line.
        if self.form_changes() and not self.save_form():
            # Refused: stay on the code, with the coder's edits and the reason shown.
            self.tree.blockSignals(True)
            if previous is not None:
                self.tree.setCurrentItem(previous)
            self.tree.blockSignals(False)
            return
        self._show_item(current)

    def _show_item(self, item: QTreeWidgetItem | None) -> None:
        self._shown = item.data(0, KEY_ROLE) if item is not None else None
        shown = self._shown_field_code()
        if shown is not None:
            self._fill_form(*shown)
            self.stack.setCurrentIndex(1)
        else:
            self._describe_field()
            self.stack.setCurrentIndex(0)
        self._update_buttons()

    def _describe_field(self) -> None:
        if self.book is None:
            self.field_info.setText("The project has no codebook.")
            return
        if self._shown is None:
            self.field_info.setText("Select a field or a code.")
            return
        fld = self.book.field(self._shown[0])
        kind = ce.KIND_NAMES.get(fld.kind, fld.kind)
        parts = [
            f"<h3>{_escape(fld.label)}</h3>",
            f"<p>A {kind} field{', required' if fld.required else ''} · key "
            f"<code>{_escape(fld.key)}</code></p>",
        ]
        if fld.description:
            parts.append(f"<p>{_escape(fld.description)}</p>")
        if fld.kind in CHOICE_KINDS:
            retired = sum(c.retired for c in fld.codes)
            parts.append(
                f"<p>{_plural(len(fld.codes), 'code')}"
                + (f", {retired} of them retired" if retired else "")
                + ". Select a code to edit it, or add a code to this field.</p>"
            )
        else:
            parts.append("<p>Coders answer this field directly; it has no codes.</p>")
        self.field_info.setText("".join(parts))

    # -- buttons ---------------------------------------------------------------------
    def _update_buttons(self) -> None:
        selected = self._shown
        fld = self.book.field(selected[0]) if self.book and selected else None
        code = self._shown_code()
        choice = fld is not None and fld.kind in CHOICE_KINDS
        self.add_code_button.setEnabled(choice)
        self.add_child_button.setEnabled(
            code is not None and fld is not None and fld.kind == "multi"
        )
        self.add_field_button.setEnabled(self.book is not None)
        movable = code is not None and fld is not None and fld.kind != "ordinal"
        group = ce.siblings(fld, code.key) if movable and fld and code else []
        self.up_button.setEnabled(bool(group) and code is not None and group[0] != code.key)
        self.down_button.setEnabled(bool(group) and code is not None and group[-1] != code.key)
        self.parent_button.setEnabled(code is not None and fld is not None and fld.kind == "multi")
        self.retire_button.setEnabled(code is not None)
        self.retire_button.setText("Restore" if code is not None and code.retired else "Retire")
        others = [c for c in fld.codes if not c.retired and c is not code] if fld else []
        self.merge_button.setEnabled(code is not None and bool(others))
        self.undo_merge_button.setEnabled(self.last_merge is not None)
        if self.last_merge is not None:
            m = self.last_merge
            self.undo_merge_button.setToolTip(
                f"Undo the merge of '{m.source_label}' into '{m.target_label}'"
            )
        else:
            self.undo_merge_button.setToolTip("No merge to undo")
        dirty = bool(self.form_changes())
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def _run(
        self,
        change: Callable[[Any], object],
        *,
        done: str,
        select: tuple[str, str | None] | None = None,
        refresh: tuple[str, str] | None = None,
    ) -> bool:
        """Save one change through the service; show the outcome; False if refused.

        After a structural change the tree is rebuilt and ``select`` selected; after a
        change of one code's attributes (``refresh``) only that code's line is updated.
        """
        try:
            with self.project.write() as session:
                change(session)
        except ce.CodebookEditError as error:
            self.show_message(str(error), error=True)
            return False
        except Exception as error:  # the coder sees a message, never a traceback
            log.exception("saving a codebook change failed")
            self.show_message(f"The change could not be saved: {error}", error=True)
            return False
        if refresh is not None:
            self._read()
            item = self._item(refresh)
            shown = self._shown_field_code()
            if item is not None and self.book is not None:
                self._decorate(item, self.book.field(refresh[0]).code(refresh[1]))
            if shown is not None and self._shown == refresh:
                self._fill_form(*shown)
        else:
            self.reload(select=select)
        version = self.book.version if self.book else "?"
        self.show_message(f"{done}. Codebook version {version}.")
        self.changed.emit()
        return True

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020; font-weight: bold;" if error else "")

    def _ensure_saved(self) -> bool:
        return not self.form_changes() or self.save_form()

    def add_code(self, child: bool = False) -> bool:
        if not self._ensure_saved() or self.book is None or self._shown is None:
            return False
        fld = self.book.field(self._shown[0])
        code = self._shown_code()
        parent_code = code if child else (fld.code(code.parent) if code and code.parent else None)
        dialog = NewCodeDialog(fld, parent_code, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        new = dialog.code(parent_code.key if parent_code else None)
        return self._run(
            lambda session: ce.add_code(session, fld.key, new, coder_id=self.coder_id),
            select=(fld.key, new.key),
            done=f"Added code '{new.label}'",
        )

    def add_field(self) -> bool:
        if not self._ensure_saved() or self.book is None:
            return False
        dialog = NewFieldDialog(self.book, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        fld = dialog.field()
        return self._run(
            lambda session: ce.add_field(session, fld, coder_id=self.coder_id),
            select=(fld.key, None),
            done=f"Added field '{fld.label}'",
        )

    def move_selected(self, step: int) -> bool:
        shown = self._shown
        if not self._ensure_saved() or shown is None or shown[1] is None:
            return False
        field_key, code_key = shown[0], shown[1]
        mover = ce.move_code_up if step < 0 else ce.move_code_down
        return self._run(
            lambda session: mover(session, field_key, code_key, coder_id=self.coder_id),
            select=(field_key, code_key),
            done=f"Moved code '{code_key}' {'up' if step < 0 else 'down'}",
        )

    def move_under(self) -> bool:
        shown = self._shown_field_code()
        if not self._ensure_saved() or shown is None:
            return False
        fld, code = shown
        below = _below(fld, code.key)
        choices: dict[str, str | None] = {TOP_LEVEL: None}
        for other in fld.codes:
            if other.key != code.key and other.key not in below:
                choices[_indented(fld, other)] = other.key
        names = list(choices)
        current = next((n for n, k in choices.items() if k == code.parent), TOP_LEVEL)
        name, ok = QInputDialog.getItem(
            self,
            "Move under…",
            f"Put code {_code_name(code)} under:",
            names,
            names.index(current),
            False,
        )
        if not ok or name not in choices:
            return False
        parent_key = choices[name]
        return self._run(
            lambda session: ce.set_parent(
                session, fld.key, code.key, parent_key, coder_id=self.coder_id
            ),
            select=(fld.key, code.key),
            done=f"Moved code '{code.label}' "
            + (f"under '{fld.code(parent_key).label}'" if parent_key else "to the top level"),
        )

    def toggle_retired(self) -> bool:
        shown = self._shown_field_code()
        if not self._ensure_saved() or shown is None:
            return False
        fld, code = shown
        retire = not code.retired
        return self._run(
            lambda session: ce.retire_code(
                session, fld.key, code.key, coder_id=self.coder_id, retired=retire
            ),
            select=(fld.key, code.key),
            done=f"{'Retired' if retire else 'Restored'} code '{code.label}'",
        )

    def merge_into(self) -> bool:
        shown = self._shown_field_code()
        if not self._ensure_saved() or shown is None:
            return False
        fld, code = shown
        choices = {
            _indented(fld, other): other.key
            for other in fld.codes
            if other.key != code.key and not other.retired
        }
        if not choices:
            return False
        names = list(choices)
        name, ok = QInputDialog.getItem(
            self, "Merge into…", f"Merge code {_code_name(code)} into:", names, 0, False
        )
        if not ok or name not in choices:
            return False
        target = fld.code(choices[name])
        try:
            with self.project.session() as session:
                counts = ce.merge_preview(session, fld.key, code.key, target.key)
        except ce.CodebookEditError as error:
            self.show_message(str(error), error=True)
            return False
        answer = QMessageBox.question(
            self,
            "Merge codes",
            _merge_question(code, target, counts),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._run(
            lambda session: ce.merge_codes(
                session, fld.key, code.key, target.key, coder_id=self.coder_id
            ),
            select=(fld.key, target.key),
            done=f"Merged code '{code.label}' into '{target.label}' "
            f"({_plural(counts.annotations, 'annotation')} moved)",
        )

    def undo_last_merge(self) -> bool:
        if not self._ensure_saved() or self.last_merge is None:
            return False
        m = self.last_merge
        when = m.at.astimezone().strftime("%d %b %Y %H:%M")
        answer = QMessageBox.question(
            self,
            "Undo last merge",
            f"Undo the merge of '{m.source_label}' into '{m.target_label}' ({when})?\n\n"
            f"{_plural(m.counts.annotations, 'annotation')} and "
            f"{_plural(m.counts.consensus, 'consensus value')} go back to "
            f"'{m.source_label}', exactly as they were.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._run(
            lambda session: ce.undo_merge(session, m.event_id, coder_id=self.coder_id),
            select=(m.field_key, m.source_key),
            done=f"Undid the merge of '{m.source_label}' into '{m.target_label}'",
        )

    # -- closing ---------------------------------------------------------------------
    def done(self, result: int) -> None:
        # Unsaved edits are saved on closing; if they are refused, the dialog stays open.
        if self.form_changes() and not self.save_form():
            return
        super().done(result)


def _below(fld: cbk.Field, key: str) -> set[str]:
    out: set[str] = set()
    todo = [key]
    while todo:
        parent = todo.pop()
        for code in fld.codes:
            if code.parent == parent and code.key not in out:
                out.add(code.key)
                todo.append(code.key)
    return out


def _depth(fld: cbk.Field, code: cbk.Code) -> int:
    depth, seen, parent = 0, {code.key}, code.parent
    while parent and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = next((c.parent for c in fld.codes if c.key == parent), None)
    return depth


def _indented(fld: cbk.Field, code: cbk.Code) -> str:
    retired = " (retired)" if code.retired else ""
    return "    " * _depth(fld, code) + f"{code.label} ({code.key}){retired}"


def _merge_question(source: cbk.Code, target: cbk.Code, counts: ce.MergeCounts) -> str:
    lines = [f"Merge code {_code_name(source)} into {_code_name(target)}?", ""]
    if counts.annotations:
        lines.append(
            f"{_plural(counts.annotations, 'annotation')} by {_plural(counts.coders, 'coder')} "
            f"on {_plural(counts.recommendations, 'recommendation')} use '{source.label}'."
        )
        lines.append(
            f"{counts.annotations_remapped:,} will be remapped to '{target.label}'"
            + (
                f"; {counts.annotations_removed:,} "
                f"{'is' if counts.annotations_removed == 1 else 'are'} simply removed, because "
                f"the coder already chose '{target.label}' for that recommendation."
                if counts.annotations_removed
                else "."
            )
        )
    else:
        lines.append(f"No annotation uses '{source.label}' yet.")
    if counts.consensus:
        lines.append(
            f"{_plural(counts.consensus, 'consensus value')} will be remapped too"
            + (
                f" ({counts.consensus_removed} already had '{target.label}')."
                if counts.consensus_removed
                else "."
            )
        )
    lines += ["", f"'{source.label}' will then be retired. Undo last merge puts everything back."]
    return "\n".join(lines)
