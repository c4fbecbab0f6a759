"""The coding form's widgets, one per field kind (gui/coding_form.py lays them out).

A searchable tree of checkable codes (multi-choice), radio buttons (single choice), a
row of scale buttons (ordinal), a checkbox (boolean) and a text box (text). Each field
is one Tab stop (``focus_target``); arrow keys choose within a one-choice group. A
widget never saves: it emits ``changed(before, after)``.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.theme import CHOSEN_TINT
from annotator.limits import MAX_CODER_TEXT
from annotator.services.coding import EMPTY, CodeSpec, FieldSpec, FieldValue

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
TEXT_SAVE_DELAY_MS = 700  # a pause in typing this long saves the text
RETIRED_GREY = QColor("#8a8a8a")
# Readable on light and dark windows alike (palette(mid) vanishes on the dark one).
QUIET_GREY = "#8a8a8a"
QUIET = f"color: {QUIET_GREY}"


def code_tooltip(code: CodeSpec) -> str:
    parts = [f"<b>{escape(code.label)}</b>"]
    if code.retired:
        parts.append("<i>Retired: kept where it was used, not for new coding.</i>")
    for title, value in (
        ("", code.definition),
        ("Include: ", code.include),
        ("Exclude: ", code.exclude),
        ("Example: ", code.example),
    ):
        if value:
            parts.append(f"{title}{escape(value)}")
    if code.shortcut:
        parts.append(f"Shortcut: <b>{escape(shortcut_text(code.shortcut))}</b>")
    return "<p>" + "</p><p>".join(parts) + "</p>"


def shortcut_text(shortcut: str) -> str:
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


class LeaveOnEscape(QObject):
    """Esc in a text box hands the keyboard back to the codes (the focus model)."""

    def __init__(self, leave, parent: QObject) -> None:
        super().__init__(parent)
        self._leave = leave

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self._leave(watched)
            return True
        return False


class FieldWidget(QWidget):
    """One field of the form; emits ``changed(before, after)`` when the coder edits it."""

    changed = Signal(object, object)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value: FieldValue = EMPTY

    def value(self) -> FieldValue:
        return self._value

    def set_value(self, value: FieldValue) -> None:
        self._value = value
        self._show(value)

    def _show(self, value: FieldValue) -> None:
        raise NotImplementedError

    def _edited(self, after: FieldValue) -> None:
        before, self._value = self._value, after
        if before != after:
            self.changed.emit(before, after)

    def toggle(self, code_id: int) -> None:
        """What a code's shortcut does: tick or untick it (choice fields only)."""

    def focus_target(self) -> QWidget:
        """Where Tab and the field's key land: the field's one stop in the Tab order."""
        return self


class MultiChoiceWidget(FieldWidget):
    """A tree of checkable codes with a filter box: type part of a label, Enter toggles."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(f"Filter {spec.label.lower()} (Enter ticks the first)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.filter.returnPressed.connect(self.toggle_first_match)
        # One Tab stop per field: the tree (Space ticks); the finder is Ctrl+T's.
        self.filter.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(2)
        self.tree.setUniformRowHeights(True)
        self.tree.setMinimumHeight(260)
        self.tree.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.items: dict[int, QTreeWidgetItem] = {}
        self._build()
        self.tree.itemChanged.connect(self._item_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)

    def _build(self) -> None:
        codes = list(self.spec.codes)
        children: dict[int | None, list[CodeSpec]] = {}
        for code in codes:
            children.setdefault(code.parent_id, []).append(code)

        def add(parent_item: QTreeWidgetItem | None, parent_id: int | None) -> None:
            for code in children.get(parent_id, []):
                label = code.label + (" (retired)" if code.retired else "")
                item = QTreeWidgetItem([label, shortcut_text(code.shortcut or "")])
                item.setData(0, CODE_ROLE, code.id)
                item.setToolTip(0, code_tooltip(code))
                item.setToolTip(1, code_tooltip(code))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Unchecked)
                item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
                if code.retired:
                    item.setForeground(0, QBrush(RETIRED_GREY))
                if code.colour:
                    item.setData(0, Qt.ItemDataRole.DecorationRole, QColor(code.colour))
                if parent_item is None:
                    self.tree.addTopLevelItem(item)
                else:
                    parent_item.addChild(item)
                self.items[code.stored_id] = item
                add(item, code.stored_id)

        add(None, None)
        self.tree.expandAll()
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, self.tree.header().ResizeMode.ResizeToContents)

    def focus_target(self) -> QWidget:
        return self.tree

    def _show(self, value: FieldValue) -> None:
        self.tree.blockSignals(True)
        for code_id, item in self.items.items():
            item.setCheckState(
                0, Qt.CheckState.Checked if code_id in value.codes else Qt.CheckState.Unchecked
            )
            _mark_chosen(item, code_id in value.codes)
        self.tree.blockSignals(False)
        self._apply_filter(self.filter.text())

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0:
            return
        self.tree.blockSignals(True)
        _mark_chosen(item, item.checkState(0) == Qt.CheckState.Checked)
        self.tree.blockSignals(False)
        codes = {
            code_id
            for code_id, it in self.items.items()
            if it.checkState(0) == Qt.CheckState.Checked
        }
        self._edited(FieldValue(frozenset(codes)))

    def toggle(self, code_id: int) -> None:
        item = self.items.get(code_id)
        if item is None:
            return
        checked = item.checkState(0) == Qt.CheckState.Checked
        item.setCheckState(0, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
        self.tree.setCurrentItem(item)

    def _code(self, code_id: int) -> CodeSpec:
        return next(c for c in self.spec.codes if c.id == code_id)

    def _apply_filter(self, text: str) -> None:
        words = text.casefold().split()
        checked = {c for c, it in self.items.items() if it.checkState(0) == Qt.CheckState.Checked}
        visible: set[int] = set()
        for code_id in self.items:
            code = self._code(code_id)
            if code.retired and code_id not in checked:
                continue  # retired codes show only where a recommendation uses them
            haystack = " ".join((code.label, code.key, *code.keywords)).casefold()
            if all(word in haystack for word in words):
                visible.add(code_id)
        # Keep the parents of what matches, so a match is seen in its place.
        for code_id in list(visible):
            parent = self._code(code_id).parent_id
            while parent is not None and parent not in visible:
                visible.add(parent)
                parent = self._code(parent).parent_id
        for code_id, item in self.items.items():
            item.setHidden(code_id not in visible)

    def first_match(self) -> int | None:
        """The first code shown whose label matches the filter (not just its parents)."""
        words = self.filter.text().casefold().split()
        if not words:
            return None
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            item = iterator.value()
            code = self._code(item.data(0, CODE_ROLE))
            haystack = " ".join((code.label, code.key, *code.keywords)).casefold()
            if not item.isHidden() and all(w in haystack for w in words):
                return code.id
            iterator += 1
        return None

    def toggle_first_match(self) -> None:
        code_id = self.first_match()
        if code_id is not None:
            self.toggle(code_id)
            self.filter.selectAll()  # the next label typed replaces this one


class ChoiceWidget(FieldWidget):
    """Single choice as radio buttons; ordinal as a row of scale buttons 1..n."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.group = QButtonGroup(self)
        # Not exclusive: clicking the chosen button again clears the field.
        self.group.setExclusive(False)
        self.buttons: dict[int, QAbstractButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        ordinal = spec.kind == "ordinal"
        row = QHBoxLayout() if ordinal else None
        for code in spec.codes:
            shortcut = f"  ({shortcut_text(code.shortcut)})" if code.shortcut else ""
            if ordinal:
                button: QAbstractButton = QPushButton(code.key)
                button.setCheckable(True)
                button.setMinimumWidth(36)
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            else:
                button = QRadioButton(code.label + shortcut)
            button.setToolTip(code_tooltip(code))
            button.setProperty("code_id", code.id)
            button.setObjectName("choice")  # the strong checked style (gui/theme.py)
            button.installEventFilter(self)
            self.group.addButton(button)
            self.buttons[code.stored_id] = button
            if row is not None:
                row.addWidget(button)
            else:
                layout.addWidget(button)
        if row is not None:
            layout.addLayout(row)
            self.scale_label = QLabel("")
            self.scale_label.setWordWrap(True)
            self.scale_label.setStyleSheet(QUIET)
            layout.addWidget(self.scale_label)
        self.group.buttonClicked.connect(self._clicked)

    def _show(self, value: FieldValue) -> None:
        for code_id, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(code_id in value.codes)
            code = next(c for c in self.spec.codes if c.id == code_id)
            button.setVisible(not code.retired or code_id in value.codes)
            button.blockSignals(False)
        if self.spec.kind == "ordinal":
            chosen = [c for c in self.spec.codes if c.id in value.codes]
            self.scale_label.setText(
                f"{chosen[0].key} – {chosen[0].label}" if chosen else "Not coded"
            )
        self._roving_stop()

    def _shown_buttons(self) -> list[QAbstractButton]:
        return [b for b in self.buttons.values() if not b.isHidden()]

    def _roving_stop(self) -> None:
        """The group is one Tab stop: the chosen button, else the first."""
        shown = self._shown_buttons()
        stop = next((b for b in shown if b.isChecked()), shown[0] if shown else None)
        for button in self.buttons.values():
            policy = Qt.FocusPolicy.StrongFocus if button is stop else Qt.FocusPolicy.ClickFocus
            button.setFocusPolicy(policy)

    def focus_target(self) -> QWidget:
        shown = self._shown_buttons()
        return next((b for b in shown if b.focusPolicy() & Qt.FocusPolicy.TabFocus), self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Arrow keys choose within the group (not scroll the form): from the focused
        button when nothing is chosen yet, else from the chosen one."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        step = _ARROW_STEPS.get(Qt.Key(event.key()))
        if step is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        shown = self._shown_buttons()
        chosen = [b for b in shown if b.isChecked()]
        if chosen:
            target = shown[max(0, min(len(shown) - 1, shown.index(chosen[0]) + step))]
        else:
            target = watched if isinstance(watched, QAbstractButton) else shown[0]
        after = FieldValue(frozenset({int(target.property("code_id"))}))
        self._show(after)
        self._edited(after)
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _clicked(self, button: QAbstractButton) -> None:
        code_id = int(button.property("code_id"))
        after = EMPTY if code_id in self._value.codes else FieldValue(frozenset({code_id}))
        self._show(after)
        self._edited(after)

    def toggle(self, code_id: int) -> None:
        button = self.buttons.get(code_id)
        if button is not None:
            self._clicked(button)


_ARROW_STEPS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Left: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_Right: 1}


def _mark_chosen(item: QTreeWidgetItem, chosen: bool) -> None:
    """A ticked theme stands out (bold on a tint), not only by its small check box."""
    font = item.font(0)
    font.setBold(chosen)
    item.setFont(0, font)
    item.setBackground(0, QBrush(CHOSEN_TINT) if chosen else QBrush())


class BooleanWidget(FieldWidget):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox(spec.label)
        self.box.setToolTip(spec.description)
        self.box.toggled.connect(lambda on: self._edited(FieldValue(text="true" if on else None)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)

    def focus_target(self) -> QWidget:
        return self.box

    def _show(self, value: FieldValue) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(value.text == "true")
        self.box.blockSignals(False)


class TextWidget(FieldWidget):
    """Saved after a pause in typing, when the box loses focus, and before moving on."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QPlainTextEdit()
        self.box.setPlaceholderText(spec.description or spec.label)
        self.box.setTabChangesFocus(True)
        self.box.setFixedHeight(72)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(TEXT_SAVE_DELAY_MS)
        self.timer.timeout.connect(self.flush)
        self.box.textChanged.connect(self.timer.start)
        self.box.textChanged.connect(self._keep_to_limit)
        self.box.installEventFilter(self)
        # How much room is left: the same limit every save path applies.
        self.room = QLabel()
        self.room.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.room.setObjectName("roomLeft")
        self.room.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.box)
        layout.addWidget(self.room)
        self._show_room(cut=0)

    def _keep_to_limit(self) -> None:
        text = self.box.toPlainText()
        over = len(text) - MAX_CODER_TEXT
        if over > 0:
            # Pasted past the limit: keep what fits (the rest is still on the clipboard).
            cursor = self.box.textCursor()
            position = min(cursor.position(), MAX_CODER_TEXT)
            self.box.blockSignals(True)
            self.box.setPlainText(text[:MAX_CODER_TEXT])
            cursor = self.box.textCursor()
            cursor.setPosition(position)
            self.box.setTextCursor(cursor)
            self.box.blockSignals(False)
        self._show_room(cut=max(over, 0))

    def _show_room(self, cut: int) -> None:
        left = MAX_CODER_TEXT - len(self.box.toPlainText())
        if cut:
            self.room.setText(f"Full ({MAX_CODER_TEXT:,} at most): {cut:,} characters left out")
            self.room.setStyleSheet("color: #b00020; font-size: 11px")
        else:
            word = "character" if left == 1 else "characters"
            self.room.setText(f"{left:,} {word} left")
            colour = "#b00020" if left < 500 else QUIET_GREY
            self.room.setStyleSheet(f"color: {colour}; font-size: 11px")

    def focus_target(self) -> QWidget:
        return self.box

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.FocusOut:
            self.flush()
        return False

    def _show(self, value: FieldValue) -> None:
        self.timer.stop()
        self.box.blockSignals(True)
        if self.box.toPlainText() != (value.text or ""):
            self.box.setPlainText(value.text or "")
        self.box.blockSignals(False)
        self._show_room(cut=0)

    def flush(self) -> None:
        self.timer.stop()
        text = self.box.toPlainText()
        self._edited(FieldValue(text=text if text.strip() else None))

    def pending(self) -> bool:
        return self.timer.isActive()
