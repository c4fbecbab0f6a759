"""The coding window's tools: codebook, coders, reliability, packages, view, import."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from annotator import __version__
from annotator.gui import theme
from annotator.gui.import_dialog import ImportDialog
from annotator.gui.shortcuts import PreferencesDialog, ShortcutsHelp
from annotator.gui.window_constants import (
    CLOSE_WAIT_SECONDS,
    ROLE_ACTIONS,
    SEES_OTHERS,
)
from annotator.gui.window_state import WindowState
from annotator.services import coding_seat, permissions
from annotator.store.errors import (
    ProjectError,
)
from annotator.store.project import Project


class WindowTools(WindowState):
    """Mixed into MainWindow (gui/main_window.py), whose attributes it uses."""

    # -- codebook, coders, view ---------------------------------------------------------------
    def codebook_changed(self) -> None:
        assert self.service is not None
        self.form.flush_text()
        self._build_form(self.service.form())
        self.queue.set_choices(self._opened(), self.spec, keep=True)
        if self.current_id is not None:
            self.form.set_values(self.service.values(self.current_id))
            self._render(self.current_id)

    def edit_codebook(self) -> None:
        from annotator.gui.codebook_editor import CodebookEditor

        dialog = CodebookEditor(self._opened(), self.coder_id, self)
        dialog.changed.connect(self.codebook_changed)
        self._open(dialog)

    def manage_coders(self) -> None:
        from annotator.gui.coders_dialog import CodersDialog

        dialog = CodersDialog(self._opened(), self.coder_id, self)
        dialog.changed.connect(self._coders_changed)
        self._open(dialog)

    def _coders_changed(self) -> None:
        assert self.project is not None
        seat = coding_seat.seat_now(self._opened(), self.coder_id)
        if seat is None:
            return
        self.coder_role, self.acting_name = seat.role, seat.name
        self.coder_retired = seat.retired
        self.offer_bar.setVisible(self.package_of is None and seat.coordinator_offer)
        self.coder_label.setText(f"Coder: {self.acting_name} ({self.coder_role})")
        self._apply_role()

    def _apply_role(self) -> None:
        """Grey out what the role cannot do (the services refuse it anyway)."""
        role = self.coder_role if not self.coder_retired else "retired"
        self.form.setEnabled(not self.coder_retired)  # a retired coder reads, codes no more
        for action_id, action in ROLE_ACTIONS.items():
            allowed = permissions.may(role, action)
            self.actions_by_id[action_id].setEnabled(allowed)
            tip = "" if allowed else f"Only {permissions.needed(action)} can {action.verb}."
            self.actions_by_id[action_id].setToolTip(tip)
        self._show_done_setting()

    def _build_offer(self) -> QWidget:
        """The one-time offer to become coordinator of a project that has none."""
        self.offer_bar = QFrame()
        self.offer_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.offer_label = QLabel(
            "This project has no coordinator yet. The coordinator edits the codebook, "
            "assigns work, makes and merges packages and manages coders. Become its "
            "coordinator?"
        )
        self.offer_label.setWordWrap(True)
        self.offer_accept = QPushButton("Become coordinator")
        self.offer_accept.clicked.connect(lambda: self.answer_coordinator_offer(True))
        self.offer_decline = QPushButton("Not me")
        self.offer_decline.setToolTip("You will not be asked again on this project")
        self.offer_decline.clicked.connect(lambda: self.answer_coordinator_offer(False))
        layout = QHBoxLayout(self.offer_bar)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.offer_label, 1)
        layout.addWidget(self.offer_decline)
        layout.addWidget(self.offer_accept)
        self.offer_bar.setVisible(False)
        return self.offer_bar

    def answer_coordinator_offer(self, accept: bool) -> None:
        assert self.project is not None
        try:
            coding_seat.answer_coordinator_offer(self._opened(), self.coder_id, accept)
        except (ValueError, ProjectError) as error:
            self.show_error("The answer could not be saved", str(error))
            return
        self.offer_bar.setVisible(False)
        self._coders_changed()
        self.statusBar().showMessage(
            "You are now this project's coordinator."
            if accept
            else "You will not be asked again; Coders ▸ Manage shows who may do what.",
            8_000,
        )
        self.table.setFocus()

    def assign(self) -> None:
        from annotator.gui.assign_dialog import AssignDialog

        dialog = AssignDialog(self._opened(), self.coder_id, self)
        dialog.assigned.connect(self._assignment_changed)
        self._open(dialog)

    def _opened(self) -> Project:
        """The project the tools work on: the window is made with one and keeps one."""
        assert self.project is not None
        return self.project

    def _open(self, dialog: QDialog) -> QDialog:
        """Open a tool window and keep it alive while it is shown."""
        self._dialogs = [d for d in self._dialogs if d.isVisible()]
        self._dialogs.append(dialog)
        dialog.open()
        return dialog

    def reliability_report(self) -> None:
        from annotator.gui.reliability_view import ReliabilityReportDialog

        self._open(ReliabilityReportDialog(self._opened(), self.coder_id, self))

    def disagreements(self) -> None:
        if self.coder_role not in SEES_OTHERS:
            self.statusBar().showMessage(
                "Coders work blind: disagreements are for adjudicators and coordinators.", 6_000
            )
            return
        from annotator.gui.disagreements_view import DisagreementsDialog

        dialog = DisagreementsDialog(self._opened(), self.coder_id, self)
        dialog.decided.connect(self.refresh)
        self._open(dialog)

    def analysis(self) -> None:
        from annotator.gui.analysis_view import AnalysisDialog

        self._open(AnalysisDialog(self._opened(), self.coder_id, self))

    def reviews(self) -> None:
        from annotator.gui.reviews_dialog import ReviewsDialog

        dialog = ReviewsDialog(self._opened(), self)
        dialog.changed.connect(self.refresh)
        self._open(dialog)

    def export(self) -> None:
        from annotator.gui.export_dialog import ExportDialog

        self.form.flush_text()  # what is typed is part of what is exported
        self._open(ExportDialog(self._opened(), self.coder_id, self))

    def create_packages(self) -> None:
        from annotator.gui.packages_dialog import CreatePackagesDialog

        self.form.flush_text()
        self._open(CreatePackagesDialog(self._opened(), self.coder_id, self))

    def merge_packages(self) -> None:
        from annotator.gui.merge_dialog import MergeDialog

        self.form.flush_text()
        dialog = MergeDialog(self._opened(), self.coder_id, self)
        dialog.merged.connect(self.refresh)
        self._open(dialog)

    def _assignment_changed(self) -> None:
        assert self.service is not None
        self.queue.only_ids = self.service.assignment()
        self._filter_changed()
        self._update_counts()

    def preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self.spec, self, self.focus_keys)
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            self.keys_rebound()

    def keys_rebound(self) -> None:
        """The window's keys changed: the form's keys are assigned again now, around
        them, not only when the project is next opened."""
        self._apply_bindings()
        if self.service is None:
            return
        self.form.flush_text()
        self._build_form(self.service.form())
        if self.current_id is not None:
            self.form.set_values(self.service.values(self.current_id))

    def shortcuts_help(self) -> None:
        self._open(ShortcutsHelp(self.settings, self.spec, self, self.focus_keys))

    def change_zoom(self, step: int) -> None:
        self.zoom = max(-4, min(12, self.zoom + step))
        self.settings.set_value("view/zoom", str(self.zoom))
        self._apply_zoom()
        if self.current_id is not None:
            self._render(self.current_id)

    def _apply_zoom(self) -> None:
        font = self.font()
        base = max(font.pointSize(), 9)
        for widget in (self.form, self.queue):
            widget_font = widget.font()
            widget_font.setPointSize(base + self.zoom)
            widget.setFont(widget_font)

    def _toggle_highlight(self, on: bool) -> None:
        self.highlight_keywords = on
        self.settings.set_value("view/highlight", "1" if on else "0")
        if self.current_id is not None:
            self._render(self.current_id)

    def _toggle_similar(self, _on: bool) -> None:
        if self.current_id is not None:
            self._render(self.current_id)

    def set_theme(self, name: str) -> None:
        self.settings.set_value("view/theme", name)
        theme.apply(name)
        self.form.restyle()
        if self.current_id is not None:
            self._render(self.current_id)  # the link takes the new palette's colour

    # -- importing ----------------------------------------------------------------------------
    def import_files(self, _checked: bool = False, files: list[Path] | None = None) -> ImportDialog:
        dialog = ImportDialog(self._opened(), self.settings, files, self)
        dialog.imported.connect(self._after_import)
        dialog.open()
        return dialog

    def _after_import(self, plan) -> None:
        self.queue.set_choices(self._opened(), self.spec, keep=True)
        self.refresh()
        new = plan.count("new")
        self.statusBar().showMessage(
            f"Imported {new:,} new recommendations; {plan.count('updated'):,} updated.", 15_000
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = _local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.import_files(files=files)

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About UPR Coder",
            f"<b>UPR Coder {__version__}</b><p>Code the recommendations of the UN "
            "Universal Periodic Review: tag their themes and verify the responses "
            "states gave.</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self._leave_current()
        if self.service is not None and not self.service.flush(CLOSE_WAIT_SECONDS):
            answer = QMessageBox.question(
                self,
                "Changes not saved yet",
                "The project is still busy and some of your changes are not saved yet. "
                "Close anyway and lose them?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.settings.set_window_state("geometry", self.saveGeometry())
        self.settings.set_window_state("main_splitter", self.splitter.saveState())
        self.settings.sync()
        if self.project is not None:
            self.project.close()
        super().closeEvent(event)


def _local_files(mime: QMimeData) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
