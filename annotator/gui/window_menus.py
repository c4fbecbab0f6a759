"""The coding window's menus, its actions and their shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QAction,
    QKeySequence,
)

from annotator.gui import theme
from annotator.gui.coding_actions import CodingActions
from annotator.gui.first_run import show_guide
from annotator.gui.shortcuts import BY_ID, bindings, shown
from annotator.gui.suggestion_strip import SuggestionsController
from annotator.gui.window_tools import WindowTools
from annotator.services.coding import (
    FormSpec,
)


class WindowMenus(WindowTools, CodingActions):
    """Mixed into MainWindow (gui/main_window.py), whose attributes it uses."""

    suggestions: SuggestionsController  # made by MainWindow before the menus

    # -- menus and shortcuts --------------------------------------------------------------
    def _build_menus(self) -> None:
        keys = bindings(self.settings)
        act = self._action

        file_menu = self.menuBar().addMenu("&File")
        self.new_action = act("new", self.new_project, keys)
        self.open_action = act("open", self.open_dialog, keys)
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.import_action = act("import", self.import_files, keys)
        file_menu.addAction(self.import_action)
        file_menu.addAction(act("reviews", self.reviews, keys))
        file_menu.addAction(act("export", self.export, keys))
        packages = file_menu.addMenu("Coder &packages")
        packages.addAction(act("create_packages", self.create_packages, keys))
        packages.addAction(act("merge_packages", self.merge_packages, keys))
        file_menu.addSeparator()
        file_menu.addAction(act("quit", self.close, keys))

        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = act("undo", self.undo_stack.undo, keys)
        self.redo_action = act("redo", self.undo_stack.redo, keys)
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(act("preferences", self.preferences, keys))

        go = self.menuBar().addMenu("&Go")
        for action_id, slot in (
            ("next", self.go_next),
            ("previous", self.go_previous),
            ("next_not_done", self.go_next_not_done),
            ("queue", self.focus_queue),
            ("search", self.focus_search),
            ("refresh", self.refresh),
        ):
            go.addAction(act(action_id, slot, keys))

        coding = self.menuBar().addMenu("&Coding")
        for action_id, slot in (
            ("done_next", self.done_and_next),
            ("flag", self.flag),
            ("skip", self.skip),
            ("theme_filter", self.focus_theme_filter),
            ("notes", self.focus_notes),
        ):
            coding.addAction(act(action_id, slot, keys))
        self.suggestions.add_menu(coding)
        coding.addSeparator()
        self.others_action = act("others", self.toggle_others, keys)
        self.others_action.setCheckable(True)
        coding.addAction(self.others_action)
        coding.addAction(self._build_done_setting())
        coding.aboutToShow.connect(self._show_done_setting)  # another coordinator may turn it

        codebook = self.menuBar().addMenu("Code&book")
        codebook.addAction(act("edit_codebook", self.edit_codebook, keys))
        coders = self.menuBar().addMenu("Co&ders")
        coders.addAction(act("manage_coders", self.manage_coders, keys))
        coders.addAction(act("assign", self.assign, keys))
        reliability = self.menuBar().addMenu("&Reliability")
        reliability.addAction(act("reliability", self.reliability_report, keys))
        self.disagreements_action = act("disagreements", self.disagreements, keys)
        reliability.addAction(self.disagreements_action)
        reliability.addSeparator()
        reliability.addAction(act("analysis", self.analysis, keys))

        view = self.menuBar().addMenu("&View")
        view.addAction(act("zoom_in", lambda: self.change_zoom(1), keys))
        view.addAction(act("zoom_out", lambda: self.change_zoom(-1), keys))
        self.highlight_action = QAction("Highlight codebook keywords", self)
        self.highlight_action.setCheckable(True)
        self.highlight_action.setChecked(self.highlight_keywords)
        self.highlight_action.toggled.connect(self._toggle_highlight)
        view.addAction(self.highlight_action)
        self.similar_action = QAction("Similar recommendations from other states too", self)
        self.similar_action.setCheckable(True)
        self.similar_action.toggled.connect(self._toggle_similar)
        view.addAction(self.similar_action)
        theme_menu = view.addMenu("&Theme")
        for name in theme.THEMES:
            action = theme_menu.addAction(name.capitalize())
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(act("shortcuts_help", self.shortcuts_help, keys))
        guide = help_menu.addAction("&Getting started")
        guide.triggered.connect(lambda _=False: show_guide(self.settings, self))
        about = QAction("&About UPR Coder", self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)

    def _action(self, action_id: str, slot, keys: dict[str, str]) -> QAction:
        spec = BY_ID[action_id]
        action = QAction(spec.label, self)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self._set_key(action, spec.label, keys[action_id])
        action.triggered.connect(lambda _=False: slot())
        self.addAction(action)  # shortcuts work with the menu bar hidden too
        self.actions_by_id[action_id] = action
        return action

    @staticmethod
    def _set_key(action: QAction, label: str, key: str) -> None:
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{label} ({shown(key)})" if key else label)

    def _apply_bindings(self) -> None:
        keys = bindings(self.settings)
        for action_id, action in self.actions_by_id.items():
            self._set_key(action, BY_ID[action_id].label, keys[action_id])

    def _build_code_actions(self, spec: FormSpec) -> None:
        """One window-wide action per code shortcut of the codebook, and per field key."""
        for action in self.code_actions:
            self.removeAction(action)
            action.deleteLater()
        self.code_actions = []
        enabled = self.project is None or not self.project.read_only
        for field in spec.fields:
            for code in field.codes:
                if not code.shortcut or code.retired:
                    continue
                action = QAction(f"{field.label}: {code.label}", self)
                action.setShortcut(QKeySequence(code.shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                action.triggered.connect(lambda _=False, cid=code.id: self.toggle_code(cid))
                action.setEnabled(enabled)
                self.addAction(action)
                self.code_actions.append(action)
            focus_key = self.focus_keys.get(field.key)
            if focus_key:
                action = QAction(f"Go to {field.label}", self)
                action.setShortcut(QKeySequence(focus_key))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                action.triggered.connect(
                    lambda _=False, fid=field.stored_id: self.form.focus_field(fid)
                )
                self.addAction(action)
                self.code_actions.append(action)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_projects()
        if not recent:
            empty = self.recent_menu.addAction("No recent projects")
            empty.setEnabled(False)
        for location in recent:
            action = self.recent_menu.addAction(location)
            action.triggered.connect(lambda _=False, where=location: self.open_location(where))
