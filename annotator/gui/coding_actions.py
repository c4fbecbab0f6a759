"""What a coder does in the coding window, each a thin adapter over the CodingSession:
the session saves or keeps the change pending and reports back through Qt signals."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QInputDialog,
)

from annotator.gui.coding_commands import SetStatus, SetValue
from annotator.gui.done_bar import DoneRefusalBar
from annotator.gui.window_constants import (
    SEES_OTHERS,
    STATUS_WORDS,
)
from annotator.gui.window_state import WindowState
from annotator.services.coding import (
    FieldValue,
    InvalidValue,
    Status,
)
from annotator.services.coding_session import (
    Change,
    Pending,
    StatusChange,
    ValueChange,
)
from annotator.services.completeness import (
    ALLOW_INCOMPLETE_DONE_LABEL,
    CHANGE_SETTINGS,
    IncompleteDone,
    allows_incomplete_done,
    set_allows_incomplete_done,
)
from annotator.services.permissions import may, needed
from annotator.store.errors import ProjectError


class CodingActions(WindowState):
    """Mixed into MainWindow (gui/main_window.py), whose attributes it uses."""

    # -- coding -----------------------------------------------------------------------------
    def _edited(self, field_id: int, before: FieldValue, after: FieldValue) -> None:
        if self.current_id is None:
            return
        label = next((f.label for f in self.spec.fields if f.id == field_id), "a field")
        self.undo_stack.push(SetValue(self, self.current_id, field_id, before, after, label))

    def toggle_code(self, code_id: int) -> None:
        if self.current_id is None:
            return
        self.form.toggle_code(code_id)

    def apply_value(
        self, rid: int, field_id: int, value: FieldValue, accepted: frozenset[int] = frozenset()
    ) -> None:
        """Save a field's value (a command's redo or undo) and show it where it belongs;
        ``accepted``: its codes ticked by accepting a theme suggestion."""
        assert self.service is not None
        if rid != self.current_id:
            self.select_id(rid)  # undo across recommendations: show the one it changes
        if rid == self.current_id:
            self.form.set_value(field_id, value)
        try:
            # Returns at once: the writer thread saves.
            self.service.save_value(rid, field_id, value, accepted)
        except InvalidValue as refused:  # the form offers only the codebook's values
            self.statusBar().showMessage(str(refused), 10_000)
            return
        self._watch_save()

    def apply_status(self, rid: int, status: Status) -> None:
        assert self.service is not None
        if rid != self.current_id:
            self.select_id(rid)  # undo across recommendations: show the one it changes
        try:
            self.service.set_status(rid, status)
        except IncompleteDone as refused:  # e.g. a redo of a done whose codes were undone
            if rid == self.current_id:
                self.done_bar.show_refusal(refused)
            self.statusBar().showMessage(str(refused), 10_000)
            return
        if rid == self.current_id:
            self._show_status(self.service.status(rid))  # pending included
        self._watch_save()

    def _watch_save(self) -> None:
        """Say "Not saved yet" if the writer has not confirmed the save soon."""
        if not self.retry_timer.isActive():
            self.retry_timer.start()

    def _change_saved(self, change: Change) -> None:
        assert self.service is not None
        rid = change.recommendation_id
        if isinstance(change, ValueChange):
            self._saved(self._describe_value(change.field_id, change.value))
        else:
            self._saved(f"Marked {STATUS_WORDS.get(change.status.status, change.status.status)}")
        if self.model is not None:
            self.model.refresh_row(rid)
        if rid == self.current_id:
            self._show_status(self.service.status(rid))
        if isinstance(change, StatusChange):
            self._update_counts()
        if not self.service.has_unsaved():
            self.retry_timer.stop()
        elif not self.retry_timer.isActive():
            self.retry_timer.start()  # the next one waiting gets its own patience

    def _change_pending(self, _change: Change, why: Pending) -> None:
        label = {
            "disk_full": "Not saved: the disk is full; trying again…",
            "read_only": "Not saved: the project is read-only",
        }.get(why.kind, "Not saved yet: the project is busy; trying again…")
        self.saved_label.setText(label)
        self.saved_label.setToolTip(why.message)
        self.saved_label.setStyleSheet("color: #b00020; font-weight: bold")
        self.statusBar().showMessage(why.message, 15_000)
        self.retry_timer.stop()  # the writer thread tries again on its own

    def _change_refused(self, _change: Change, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)  # e.g. retired meanwhile: not saved

    def _describe_value(self, field_id: int, value: FieldValue) -> str:
        field = next((f for f in self.spec.fields if f.id == field_id), None)
        if field is None:
            return "Saved"
        if field.is_choice:
            labels = [c.label for c in field.codes if c.id in value.codes]
            return f"{field.label}: {', '.join(labels) if labels else 'cleared'}"
        if field.kind == "boolean":
            return f"{field.label}: {'yes' if value.text == 'true' else 'no'}"
        return f"{field.label} saved"

    def _saved(self, summary: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.saved_label.setText(f"Saved {stamp} · {summary}")
        self.saved_label.setStyleSheet("")

    def _retry_pending(self) -> None:
        """The patience ran out: the change waits (a lock, a slow server) and the coder
        sees it. Never a save here: that would make the window wait."""
        if self.service is None or not self.service.has_unsaved():
            return
        if not self.saved_label.text().startswith("Not saved"):
            self.saved_label.setText("Not saved yet: waiting for the project…")
            self.saved_label.setToolTip(
                "Your change is kept and will be saved as soon as the project lets it."
            )
            self.saved_label.setStyleSheet("color: #8a6d00; font-weight: bold")

    def has_unsaved(self) -> bool:
        return self.service is not None and self.service.has_unsaved()

    def _set_status(self, status: str, reason: str | None, label: str) -> None:
        if self.current_id is None or self.service is None:
            return
        self.form.flush_text()
        before = self.service.status(self.current_id)
        after = Status(status, reason, before.seconds)
        self.undo_stack.push(SetStatus(self, self.current_id, before, after, label))

    def done_and_next(self) -> None:
        if self.current_id is None or self.service is None:
            return
        self.form.flush_text()  # a note being typed counts
        refused = self.service.done_refusal(self.current_id)
        if refused is not None:
            self.done_bar.show_refusal(refused)
            return
        self.done_bar.setVisible(False)
        self._set_status("done", None, "Mark done")
        self.go_next()

    # -- done means complete ------------------------------------------------------------------
    def _build_done_bar(self) -> DoneRefusalBar:
        self.done_bar = DoneRefusalBar()
        self.done_bar.flag_instead.connect(self._flag_instead)
        self.done_bar.dismissed.connect(self._fill_in)
        return self.done_bar

    def _flag_instead(self, reason: str) -> None:
        if self.current_id is None:
            return
        self._set_status("flagged", reason, "Flag")
        self.go_next()

    def _fill_in(self, label: str) -> None:
        """The refusal dismissed: the keyboard to the first empty field."""
        field = next((f for f in self.spec.fields if f.label == label), None)
        if field is not None:
            self.form.focus_field(field.stored_id)
        else:
            self.table.setFocus()

    def _build_done_setting(self) -> QAction:
        self.done_setting = QAction(ALLOW_INCOMPLETE_DONE_LABEL, self)
        self.done_setting.setCheckable(True)
        self.done_setting.toggled.connect(self._toggle_done_setting)
        return self.done_setting

    def _show_done_setting(self) -> None:
        """The switch as the project has it now; only a coordinator may turn it."""
        if self.project is None:
            return
        allowed = not self.coder_retired and may(self.coder_role, CHANGE_SETTINGS)
        self.done_setting.blockSignals(True)
        self.done_setting.setChecked(allows_incomplete_done(self.project))
        self.done_setting.blockSignals(False)
        self.done_setting.setEnabled(allowed and not self.project.read_only)
        self.done_setting.setToolTip(
            "" if allowed else f"Only {needed(CHANGE_SETTINGS)} can {CHANGE_SETTINGS.verb}."
        )

    def _toggle_done_setting(self, on: bool) -> None:
        if self.project is None:
            return
        try:
            set_allows_incomplete_done(self.project, on, self.coder_id)
        except (ValueError, ProjectError) as error:  # NotPermitted is a ValueError
            self.show_error("The setting could not be changed", str(error))
            self._show_done_setting()
            return
        self.statusBar().showMessage(
            "Recommendations may now be marked done with required fields empty."
            if on
            else "Done now needs every required field filled in.",
            8_000,
        )

    def flag(self) -> None:
        if self.current_id is None:
            return
        reason, ok = QInputDialog.getText(
            self, "Flag this recommendation", "Why? (the coordinator will see this)"
        )
        if ok and reason.strip():
            self._set_status("flagged", reason.strip(), "Flag")
        elif ok:
            self.statusBar().showMessage("A flag needs a reason; nothing was changed.", 6_000)

    def skip(self) -> None:
        if self.current_id is None:
            return
        self._set_status("skipped", None, "Skip")
        self.go_next()

    def toggle_others(self) -> None:
        if self.coder_role not in SEES_OTHERS:
            self.others_action.setChecked(False)
            self.statusBar().showMessage(
                "Coders work blind: only adjudicators and coordinators see others' codes.", 6_000
            )
            return
        self.show_others = self.others_action.isChecked()
        if self.current_id is not None:
            self._render(self.current_id)
