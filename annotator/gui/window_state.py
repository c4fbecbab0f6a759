"""What the main window's parts (menus, tools, coding actions) use of the window itself.

``MainWindow`` (gui/main_window.py) is one QMainWindow made of those parts as mixins.
For the type checker each part derives from ``WindowState``, which declares the
window's own widgets, state and methods the parts call; at run time it is empty and
the window itself holds all of it. Keep it in step with ``MainWindow.__init__``: an
attribute a part uses is declared here once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QAction, QUndoStack
    from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QSplitter, QTableView

    from annotator.gui.coding_form import CodingForm
    from annotator.gui.done_bar import DoneRefusalBar
    from annotator.gui.queue_panel import QueuePanel
    from annotator.gui.recommendation_model import RecommendationTableModel
    from annotator.gui.settings import AppSettings
    from annotator.services.coding import FormSpec, Status
    from annotator.services.coding_session import CodingSession
    from annotator.store.project import Project

    class WindowState(QMainWindow):
        settings: AppSettings
        project: Project | None
        model: RecommendationTableModel | None
        service: CodingSession | None
        spec: FormSpec
        coder_id: int
        coder_role: str
        acting_name: str
        coder_retired: bool
        package_of: str | None
        current_id: int | None
        show_others: bool
        zoom: int
        highlight_keywords: bool
        undo_stack: QUndoStack
        retry_timer: QTimer
        queue: QueuePanel
        table: QTableView
        form: CodingForm
        splitter: QSplitter
        saved_label: QLabel
        coder_label: QLabel
        actions_by_id: dict[str, QAction]
        code_actions: list[QAction]
        focus_keys: dict[str, str]
        others_action: QAction
        done_bar: DoneRefusalBar
        done_setting: QAction
        _dialogs: list[QDialog]

        def new_project(self) -> None: ...
        def open_dialog(self) -> None: ...
        def open_location(self, location: str) -> bool: ...
        def show_error(self, title: str, message: str) -> None: ...
        def refresh(self) -> None: ...
        def select_id(self, rid: int) -> bool: ...
        def go_next(self) -> None: ...
        def go_previous(self) -> None: ...
        def go_next_not_done(self) -> None: ...
        def focus_queue(self) -> None: ...
        def focus_search(self) -> None: ...
        def focus_theme_filter(self) -> None: ...
        def focus_notes(self) -> None: ...
        def _filter_changed(self) -> None: ...
        def _update_counts(self, *, overall_changed: bool = True) -> None: ...
        def _leave_current(self) -> None: ...
        def _render(self, rid: int) -> None: ...
        def _build_form(self, spec: FormSpec) -> None: ...
        def _show_status(self, status: Status) -> None: ...
        # The menus' own, called by the tools when the codebook or the keys change.
        def _apply_bindings(self) -> None: ...
        def _build_code_actions(self, spec: FormSpec) -> None: ...
        def _show_done_setting(self) -> None: ...

else:

    class WindowState:
        """Nothing at run time: MainWindow holds all of it."""
