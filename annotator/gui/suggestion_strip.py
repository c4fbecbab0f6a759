"""Theme suggestions in the coding form: a compact strip of the top five, each with its
key (Alt+1..Alt+5), never ticked for the coder.

When the strip shows is the project's setting (services/suggesting.py): off, always, or
once the coder has saved a value on the recommendation; never on double-coded ones
unless the coordinator allows it. Accepting a suggestion saves the same value as ticking
the code, marked as accepted. The project's own model is retrained on the worker thread
as coding goes on, so the window never waits for it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QMenu, QVBoxLayout, QWidget

from annotator.gui.coding_commands import SetValue
from annotator.gui.field_widgets import QUIET_GREY
from annotator.gui.worker import Worker, run_in_background
from annotator.services import suggesting, suggestion_models
from annotator.services.coding import FieldValue
from annotator.services.coding_session import KEEPS_PENDING
from annotator.services.permissions import NotPermitted

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow
    from annotator.store.project import Project

RETRAIN_EVERY = 20  # saved changes between two checks whether the model is stale
# Alt+1..Alt+5 when free (the built-in codebook leaves them free); a codebook's own keys
# win, and the strip then takes the first family still free.
KEY_FAMILIES = ("Alt+{}", "Ctrl+Shift+{}", "Alt+Shift+{}")


class SuggestionStrip(QFrame):
    """Two or three short lines above the form: the suggestions and what they rest on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(2)
        self.items_label = QLabel()
        self.items_label.setWordWrap(True)
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        layout.addWidget(self.items_label)
        layout.addWidget(self.source_label)
        self.shown = suggesting.Shown((), "")
        self.keys = [KEY_FAMILIES[0].format(r) for r in range(1, suggesting.TOP + 1)]
        self.setVisible(False)

    def show_suggestions(self, shown: suggesting.Shown) -> None:
        self.shown = shown
        if not shown.items:
            self.setVisible(False)
            return
        # The family once, then each suggestion by its digit: compact in the narrow pane.
        family = self.keys[0][:-1]
        parts = [
            f"<span style='color:{QUIET_GREY}'>{s.rank}</span>&nbsp;{escape(s.label)}"
            for s in shown.items
        ]
        self.items_label.setText(
            f"<b>Suggested</b> <span style='color:{QUIET_GREY}'>({escape(family)}1–"
            f"{len(shown.items)})</span>: " + " · ".join(parts)
        )
        self.items_label.setToolTip(
            "\n".join(
                f"{self.keys[s.rank - 1]}: {s.label} (score {s.score:.2f})" for s in shown.items
            )
        )
        self.source_label.setText(
            f"<span style='color:{QUIET_GREY}'>From {escape(shown.source)}.</span>"
        )
        self.source_label.setToolTip(
            "Press a suggestion's key to tick it; nothing is ticked for you."
        )
        self.setVisible(True)


class SuggestionsController:
    """The strip's life in the window: what to show, the keys, the menu, retraining."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.strip = SuggestionStrip()
        self.loaded: suggestion_models.LoadedModel | None = None
        self.missing: str | None = None  # why there is no model, once known
        self.recorded: set[int] = set()
        self.saves = 0
        self.worker: Worker | None = None
        self.shortcuts: list[QShortcut] = []
        for rank in range(1, suggesting.TOP + 1):
            shortcut = QShortcut(QKeySequence(f"Alt+{rank}"), window)
            shortcut.activated.connect(lambda r=rank: self.accept(r))
            self.shortcuts.append(shortcut)
        self.mode_actions: dict[str, QAction] = {}
        self.overlap_action: QAction | None = None

    # -- the menu (a coordinator changes the setting) ----------------------------------
    def add_menu(self, coding: QMenu) -> None:
        menu = coding.addMenu("Theme suggestions")
        group = QActionGroup(menu)
        for key, label in suggesting.MODE_LABELS.items():
            action = menu.addAction(f"Show: {label.lower()}")
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, k=key: self._set(suggesting.set_mode, k))
            group.addAction(action)
            self.mode_actions[key] = action
        menu.addSeparator()
        self.overlap_action = menu.addAction(suggesting.ON_OVERLAP_LABEL)
        self.overlap_action.setCheckable(True)
        self.overlap_action.triggered.connect(
            lambda on: self._set(suggesting.set_shows_on_overlap, bool(on))
        )

    def _set(self, setter: Callable[..., None], value: object) -> None:
        project = self.window.project
        if project is None:
            return
        try:
            setter(project, value, self.window.coder_id)
        except (NotPermitted, ValueError) as refused:
            self.window.statusBar().showMessage(str(refused), 8000)
        self.sync_menu()
        self.refresh()

    def sync_menu(self) -> None:
        project = self.window.project
        coordinator = self.window.coder_role == "coordinator"
        for key, action in self.mode_actions.items():
            action.setEnabled(coordinator and project is not None)
            action.setChecked(project is not None and suggesting.mode(project) == key)
        if self.overlap_action is not None:
            self.overlap_action.setEnabled(coordinator and project is not None)
            self.overlap_action.setChecked(
                project is not None and suggesting.shows_on_overlap(project)
            )

    # -- the project and the recommendation on screen ----------------------------------
    def attach(self) -> None:
        """A project was opened: a model for it, then a retraining check off the GUI thread."""
        self.recorded.clear()
        self.saves = 0
        project = self.window.project
        self.loaded = None if project is None else suggestion_models.current_model(project)
        # Why there is none, until the background check below says (with the count).
        self.missing = None if self.loaded else "Theme suggestions: checking the coding so far…"
        self.sync_menu()
        self.bind_keys()
        self.retrain()

    def bind_keys(self) -> None:
        """The first key family none of the window's actions (the form's keys) uses."""
        taken = {
            k.toString(QKeySequence.SequenceFormat.PortableText)
            for action in self.window.findChildren(QAction)
            for k in action.shortcuts()
        }
        for family in KEY_FAMILIES:
            keys = [family.format(r) for r in range(1, suggesting.TOP + 1)]
            if not taken & set(keys):
                break
        self.strip.keys = keys
        for shortcut, key in zip(self.shortcuts, keys, strict=True):
            shortcut.setKey(QKeySequence(key))

    def retrain(self) -> None:
        project = self.window.project
        if project is None or (self.worker is not None and self.worker.is_running()):
            return
        self.worker = run_in_background(
            lambda _progress: _model_and_reason(project),
            on_result=self._retrained,
            on_error=lambda _error: None,  # suggestions are a help: a failure costs none
            parent=self.window,
        )

    def _retrained(self, result: tuple[suggestion_models.LoadedModel | None, str | None]) -> None:
        loaded, self.missing = result
        if loaded is not None:
            self.loaded = loaded
        self.refresh()

    def refresh(self) -> None:
        window = self.window
        rid = window.current_id
        if window.project is None or window.coder_id is None or rid is None:
            self.strip.show_suggestions(suggesting.Shown((), ""))
            return
        shown = suggesting.suggestions_for(
            window.project, window.coder_id, rid, self.loaded, self.missing
        )
        self.strip.show_suggestions(shown)
        if shown.items and rid not in self.recorded and not window.project.read_only:
            try:
                suggesting.record_shown(window.project, window.coder_id, rid)
            except KEEPS_PENDING:  # busy or full: tried again when the strip next shows
                return
            self.recorded.add(rid)

    def saved(self, recommendation_id: int) -> None:
        """A change was saved: the strip may appear (after first save); now and then the
        project's model is checked for staleness."""
        self.saves += 1
        if self.saves % RETRAIN_EVERY == 0:
            self.retrain()
        if recommendation_id == self.window.current_id and not self.strip.isVisible():
            self.refresh()

    def accept(self, rank: int) -> None:
        """Alt+rank: tick that suggestion's code (as ticking it would), marked accepted."""
        window, shown = self.window, self.strip.shown
        rid = window.current_id
        if not self.strip.isVisible() or rid is None or window.service is None:
            return
        if rank > len(shown.items) or shown.field_id is None or not window.form.isEnabled():
            return
        code_id = shown.items[rank - 1].code_id
        current = window.form.values().get(shown.field_id, FieldValue())
        if code_id in current.codes:
            return
        after = FieldValue(current.codes | {code_id}, current.text)
        label = f"accepting the suggestion {shown.items[rank - 1].label}"
        # An undo step like ticking: its redo saves and shows the value.
        window.undo_stack.push(
            SetValue(window, rid, shown.field_id, current, after, label, frozenset({code_id}))
        )


def _model_and_reason(project: Project) -> tuple[suggestion_models.LoadedModel | None, str | None]:
    """On the worker thread: the model to use, else why there is none (with the count)."""
    loaded = suggestion_models.retrain_if_stale(project)
    return loaded, None if loaded is not None else suggestion_models.status_line(project)
