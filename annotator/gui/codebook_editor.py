"""Codebook ▸ Edit: the fields and codes of the project's codebook, and a form per code.

Every change is saved through ``annotator.services.codebook`` and committed at
once; the dialog emits ``changed`` afterwards so the main window can rebuild its coding
form. Edits in the form are saved with Save, or when another code is selected or the
dialog is closed.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
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
from annotator.gui.codebook_dialogs import (
    CHOICE_KINDS,
    NewCodeDialog,
    NewFieldDialog,
    code_name,
    codes_below,
    indented_label,
    merge_question,
)
from annotator.gui.codebook_pages import CodeForm, field_description, plural, swatch
from annotator.gui.screen_fit import fit_to_screen
from annotator.services import codebook as ce
from annotator.store.project import Project

log = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole
TEXT_ATTRIBUTES = ("definition", "include", "exclude", "example")
TOP_LEVEL = "(top level: no parent)"


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
        fit_to_screen(self)
        self.reload()

    # -- the form --------------------------------------------------------------------
    def _build_form(self) -> QWidget:
        self.code_form = CodeForm()
        self.code_form.edited.connect(self._form_edited)
        self.code_form.save_button.clicked.connect(self.save_form)
        self.code_form.revert_button.clicked.connect(self._revert_form)
        # The form's widgets, as the editor's own (what its callers and tests reach for).
        self.label_edit = self.code_form.label_edit
        self.text_edits = self.code_form.text_edits
        self.shortcut_edit = self.code_form.shortcut_edit
        self.keywords_edit = self.code_form.keywords_edit
        self.where_label = self.code_form.where_label
        self.save_button = self.code_form.save_button
        self.revert_button = self.code_form.revert_button
        return self.code_form

    def _fill_form(self, fld: cbk.Field, code: cbk.Code) -> None:
        self.code_form.fill(fld, code, self.usage.get((fld.key, code.key), 0))
        self._update_buttons()

    def form_changes(self) -> dict[str, Any]:
        """What the form would change in the shown code (empty if nothing)."""
        code = self._shown_code()
        if code is None:
            return {}
        changes = {}
        for attr, value in self.code_form.values().items():
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

    def _form_edited(self) -> None:
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
            ce.EditCode(field_key, code_key, changes),
            refresh=(field_key, code_key),
            done=f"Saved code '{label}'",
        )

    def _shown_code_label(self) -> str:
        code = self._shown_code()
        return code.label if code else ""

    # -- reading the codebook --------------------------------------------------------
    def _read(self) -> None:
        state = ce.editor_state(self.project)
        self.book, self.usage, self.last_merge = state.book, state.usage, state.last_merge

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
        item.setIcon(0, swatch(code.colour))
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
        self.field_info.setText(field_description(self.book.field(self._shown[0])))

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
        change: ce.CodebookChange,
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
            ce.save_change(self.project, change, coder_id=self.coder_id)
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
            ce.AddCode(fld.key, new),
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
            ce.AddField(fld),
            select=(fld.key, None),
            done=f"Added field '{fld.label}'",
        )

    def move_selected(self, step: int) -> bool:
        shown = self._shown
        if not self._ensure_saved() or shown is None or shown[1] is None:
            return False
        field_key, code_key = shown[0], shown[1]
        return self._run(
            ce.MoveCode(field_key, code_key, step),
            select=(field_key, code_key),
            done=f"Moved code '{code_key}' {'up' if step < 0 else 'down'}",
        )

    def move_under(self) -> bool:
        shown = self._shown_field_code()
        if not self._ensure_saved() or shown is None:
            return False
        fld, code = shown
        below = codes_below(fld, code.key)
        choices: dict[str, str | None] = {TOP_LEVEL: None}
        for other in fld.codes:
            if other.key != code.key and other.key not in below:
                choices[indented_label(fld, other)] = other.key
        names = list(choices)
        current = next((n for n, k in choices.items() if k == code.parent), TOP_LEVEL)
        name, ok = QInputDialog.getItem(
            self,
            "Move under…",
            f"Put code {code_name(code)} under:",
            names,
            names.index(current),
            False,
        )
        if not ok or name not in choices:
            return False
        parent_key = choices[name]
        return self._run(
            ce.SetParent(fld.key, code.key, parent_key),
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
            ce.RetireCode(fld.key, code.key, retire),
            select=(fld.key, code.key),
            done=f"{'Retired' if retire else 'Restored'} code '{code.label}'",
        )

    def merge_into(self) -> bool:
        shown = self._shown_field_code()
        if not self._ensure_saved() or shown is None:
            return False
        fld, code = shown
        choices = {
            indented_label(fld, other): other.key
            for other in fld.codes
            if other.key != code.key and not other.retired
        }
        if not choices:
            return False
        names = list(choices)
        name, ok = QInputDialog.getItem(
            self, "Merge into…", f"Merge code {code_name(code)} into:", names, 0, False
        )
        if not ok or name not in choices:
            return False
        target = fld.code(choices[name])
        try:
            counts = ce.preview_merge(self.project, fld.key, code.key, target.key)
        except ce.CodebookEditError as error:
            self.show_message(str(error), error=True)
            return False
        answer = QMessageBox.question(
            self,
            "Merge codes",
            merge_question(code, target, counts),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._run(
            ce.MergeCodes(fld.key, code.key, target.key),
            select=(fld.key, target.key),
            done=f"Merged code '{code.label}' into '{target.label}' "
            f"({plural(counts.annotations, 'annotation')} moved)",
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
            f"{plural(m.counts.annotations, 'annotation')} and "
            f"{plural(m.counts.consensus, 'consensus value')} go back to "
            f"'{m.source_label}', exactly as they were.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._run(
            ce.UndoMerge(m.event_id),
            select=(m.field_key, m.source_key),
            done=f"Undid the merge of '{m.source_label}' into '{m.target_label}'",
        )

    # -- closing ---------------------------------------------------------------------
    def done(self, result: int) -> None:
        # Unsaved edits are saved on closing; if they are refused, the dialog stays open.
        if self.form_changes() and not self.save_form():
            return
        super().done(result)
