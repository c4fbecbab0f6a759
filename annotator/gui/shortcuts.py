"""Every window action with its default key, the coder's own keys, and the dialogs for both.

Defaults follow common conventions (Ctrl+Z / Ctrl+Shift+Z, Ctrl+F for search). A
coder can rebind any of them in Preferences; a key already used by another action or
by a code of the codebook is refused, because one key doing two things is how codes
get ticked by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.settings import AppSettings
from annotator.services.coding import FormSpec


@dataclass(frozen=True)
class ActionSpec:
    id: str
    label: str
    default: str
    help: str = ""


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("next", "Next recommendation", "Ctrl+Down"),
    ActionSpec("previous", "Previous recommendation", "Ctrl+Up"),
    ActionSpec("next_not_done", "Next recommendation not done", "Ctrl+Shift+Down"),
    ActionSpec("done_next", "Mark done and go to the next", "Ctrl+Return"),
    ActionSpec("flag", "Flag with a reason…", "Ctrl+Shift+F"),
    ActionSpec("skip", "Skip", "Ctrl+Shift+K"),
    ActionSpec("theme_filter", "Find a theme", "Ctrl+T", "type part of a label, Enter ticks it"),
    ActionSpec("notes", "Write a note", "Ctrl+Shift+N", "Esc leaves the note"),
    ActionSpec("search", "Search the recommendations", "Ctrl+F"),
    ActionSpec("queue", "Go to the list of recommendations", "Ctrl+L"),
    ActionSpec("undo", "Undo", "Ctrl+Z"),
    ActionSpec("redo", "Redo", "Ctrl+Shift+Z"),
    ActionSpec("refresh", "Refresh (see other coders' work)", "F5"),
    ActionSpec("zoom_in", "Larger text", "Ctrl++"),
    ActionSpec("zoom_out", "Smaller text", "Ctrl+-"),
    ActionSpec("others", "Show all coders' codes", "Ctrl+Shift+A", "adjudicators only"),
    ActionSpec("edit_codebook", "Edit the codebook…", "Ctrl+Shift+E"),
    ActionSpec("assign", "Assign recommendations…", "Ctrl+Shift+G"),
    ActionSpec("manage_coders", "Manage coders and roles…", "Ctrl+Shift+U"),
    ActionSpec("reliability", "Reliability report…", "Ctrl+Shift+R"),
    ActionSpec("disagreements", "Disagreements and consensus…", "Ctrl+Shift+D"),
    ActionSpec("analysis", "Analysis…", "Ctrl+Shift+Y"),
    ActionSpec("export", "Export…", "Ctrl+E"),
    ActionSpec("create_packages", "Make coder packages…", "Ctrl+Shift+P"),
    ActionSpec("merge_packages", "Merge coder packages…", "Ctrl+Shift+M"),
    ActionSpec("preferences", "Keyboard shortcuts…", "Ctrl+,"),
    ActionSpec("shortcuts_help", "Keyboard shortcuts", "F1"),
    ActionSpec("import", "Import…", "Ctrl+I"),
    ActionSpec("reviews", "Reviews: sessions and symbols…", "Ctrl+Shift+I"),
    ActionSpec("new", "New project…", "Ctrl+N"),
    ActionSpec("open", "Open project…", "Ctrl+O"),
    ActionSpec("quit", "Quit", "Ctrl+Q"),
)
BY_ID = {a.id: a for a in ACTIONS}


def normal(key: str) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)


def shown(key: str) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def bindings(settings: AppSettings) -> dict[str, str]:
    """Action id -> key in force: the coder's own where set, else the default."""
    return {a.id: settings.value(f"shortcuts/{a.id}") or a.default for a in ACTIONS}


def code_keys(spec: FormSpec) -> dict[str, str]:
    """Key -> the code it ticks, for clash checks and the help page."""
    return {
        normal(code.shortcut): f"{field.label}: {code.label}"
        for field in spec.fields
        for code in field.codes
        if code.shortcut and not code.retired
    }


def clash(
    action_id: str,
    key: str,
    current: dict[str, str],
    spec: FormSpec,
    focus_keys: dict[str, str] | None = None,
) -> str | None:
    """Why ``key`` cannot be bound to ``action_id``, or None when it can. ``focus_keys``
    (field key -> key) are the keys that move to each field."""
    if not key:
        return None
    wanted = normal(key)
    for other, other_key in current.items():
        if other != action_id and normal(other_key) == wanted:
            return f"{shown(key)} already does “{BY_ID[other].label}”."
    codes = code_keys(spec)
    if wanted in codes:
        return f"{shown(key)} already ticks the code “{codes[wanted]}”."
    for field in spec.fields:
        focus = (focus_keys or {}).get(field.key)
        if focus and normal(focus) == wanted:
            return f"{shown(key)} already goes to the field “{field.label}”."
    return None


class PreferencesDialog(QDialog):
    """Rebind the window's shortcuts; a clash is refused with a message."""

    def __init__(
        self,
        settings: AppSettings,
        spec: FormSpec,
        parent: QWidget | None = None,
        focus_keys: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.settings = settings
        self.spec = spec
        self.focus_keys = focus_keys or {}
        self.current = bindings(settings)
        self.table = QTableWidget(len(ACTIONS), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self.editors: dict[str, QKeySequenceEdit] = {}
        for row, action in enumerate(ACTIONS):
            item = QTableWidgetItem(action.label)
            self.table.setItem(row, 0, item)
            editor = QKeySequenceEdit(QKeySequence(self.current[action.id]))
            editor.setMaximumSequenceLength(1)
            editor.setClearButtonEnabled(True)
            editor.editingFinished.connect(lambda aid=action.id: self._changed(aid))
            self.table.setCellWidget(row, 1, editor)
            self.editors[action.id] = editor
        self.table.setColumnWidth(1, 180)
        self.message = QLabel("Click a shortcut and press the new keys.")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self.restore_defaults
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(520, 640)
        fit_to_screen(self)

    def set_key(self, action_id: str, key: str) -> bool:
        """Bind ``key`` (as the editor would), refusing a clash. True if taken."""
        self.editors[action_id].setKeySequence(QKeySequence(key))
        return self._changed(action_id)

    def _changed(self, action_id: str) -> bool:
        key = (
            self.editors[action_id].keySequence().toString(QKeySequence.SequenceFormat.PortableText)
        )
        problem = clash(action_id, key, self.current, self.spec, self.focus_keys)
        if problem:
            self.message.setText(f"<span style='color:#b00020'>{escape(problem)}</span>")
            self.editors[action_id].setKeySequence(QKeySequence(self.current[action_id]))
            return False
        self.current[action_id] = key
        self.message.setText(f"{BY_ID[action_id].label}: {shown(key) or 'no shortcut'}")
        return True

    def restore_defaults(self) -> None:
        for action in ACTIONS:
            self.current[action.id] = action.default
            self.editors[action.id].setKeySequence(QKeySequence(action.default))

    def accept(self) -> None:
        for action in ACTIONS:
            self.settings.set_value(f"shortcuts/{action.id}", self.current[action.id])
        super().accept()


def help_html(
    settings: AppSettings, spec: FormSpec, focus_keys: dict[str, str] | None = None
) -> str:
    """The help page: the window's keys, the keys that move to each field (``focus_keys``,
    field key -> key, as the window assigned them for this codebook) and the codes' keys."""
    rows = []
    current = bindings(settings)
    for action in ACTIONS:
        note = f" <span style='color:gray'>({escape(action.help)})</span>" if action.help else ""
        rows.append(
            f"<tr><td><b>{escape(shown(current[action.id]))}</b></td>"
            f"<td>{escape(action.label)}{note}</td></tr>"
        )
    codes = "".join(
        f"<tr><td><b>{escape(shown(key))}</b></td><td>{escape(what)}</td></tr>"
        for key, what in code_keys(spec).items()
    )
    fields = "".join(
        f"<tr><td><b>{escape(shown(key))}</b></td><td>go to {escape(field.label)}</td></tr>"
        for field in spec.fields
        if (key := (focus_keys or {}).get(field.key))
    )
    return (
        "<h3>Moving and marking</h3><table cellpadding='3'>" + "".join(rows) + "</table>"
        "<h3>Fields</h3><table cellpadding='3'>" + fields + "<tr><td><b>Tab</b> / "
        "<b>Shift+Tab</b></td><td>the next / the previous field</td></tr>"
        "<tr><td><b>arrow keys</b></td><td>move between the options of a field</td></tr>"
        "<tr><td><b>Space</b></td><td>tick or untick the option that has the focus</td></tr>"
        "</table>"
        "<h3>Codes</h3><p>A code's key ticks or unticks it wherever you are, except while "
        "you type in a text box or a filter: there keys are text, and Ctrl+Z undoes your "
        "typing. Press <b>Esc</b> to leave a text box.</p>"
        "<table cellpadding='3'>" + codes + "</table>"
    )


class ShortcutsHelp(QDialog):
    def __init__(
        self,
        settings: AppSettings,
        spec: FormSpec,
        parent: QWidget | None = None,
        focus_keys: dict[str, str] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.view = QTextBrowser()
        self.view.setHtml(help_html(settings, spec, focus_keys))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
        self.resize(560, 640)
        fit_to_screen(self)
