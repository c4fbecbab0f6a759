"""File ▸ Coder packages: packages out to coders (File ▸ Merge, back in, is in
``merge_dialog``), and the dialog both build on.

Both dialogs run their work off the GUI thread (``gui.worker.run_in_background``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.messages import ERROR_STYLE
from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.worker import ProgressFn, Worker, run_in_background
from annotator.services.packages import (
    MergeCancelled,
    PackageReport,
    create_package,
    package_choices,
    package_file_names,
)
from annotator.store.errors import ProjectError
from annotator.store.project import Project

ID_ROLE = Qt.ItemDataRole.UserRole
PACKAGE_FILTER = "UPR Coder packages (*.upr);;All files (*)"


def failure_message(error: BaseException, what: str) -> str:
    if isinstance(error, MergeCancelled):
        return f"Stopped: nothing was {what}."
    if isinstance(error, ProjectError | ValueError | OSError):
        return str(error)
    return f"Nothing was {what}: something went wrong ({error})."


class WorkerDialog(QDialog):
    """A dialog that runs one piece of work at a time, with progress and Stop."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.worker: Worker | None = None
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)
        self.progress_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setVisible(False)
        self.stop_button.setAutoDefault(False)
        self.stop_button.clicked.connect(self.cancel)
        self.progress_row = QHBoxLayout()
        self.progress_row.addWidget(self.progress, 1)
        self.progress_row.addWidget(self.stop_button)

    def running(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def say(self, text: str, *, error: bool = False) -> None:
        self.progress_label.setStyleSheet(ERROR_STYLE if error else "")
        self.progress_label.setText(text)

    def run(
        self,
        work: Callable[[ProgressFn], Any],
        succeeded: Callable[[Any], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.stop_button.setVisible(True)
        self.stop_button.setEnabled(True)
        self.set_busy(True)
        self.worker = run_in_background(
            work,
            on_result=succeeded,
            on_error=failed,
            on_progress=self._progressed,
            on_finished=self._finished,
            cancelled=MergeCancelled,
            parent=self,
        )

    def set_busy(self, busy: bool) -> None:
        """Enable or disable the dialog's choices (subclasses)."""

    def cancel(self) -> None:
        if self.running():
            assert self.worker is not None
            self.say("Stopping…")
            self.stop_button.setEnabled(False)
            self.worker.cancel()

    def _progressed(self, label: str, done: int, total: int) -> None:
        self.progress_label.setStyleSheet("")
        self.progress_label.setText(label)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _finished(self) -> None:
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)
        self.set_busy(False)

    def _stop_and_wait(self) -> None:
        if self.running():
            assert self.worker is not None
            self.worker.cancel()
            self.worker.wait()

    def reject(self) -> None:
        self._stop_and_wait()
        super().reject()

    def closeEvent(self, event) -> None:
        self._stop_and_wait()
        super().closeEvent(event)


# ================================================================== making packages


class CreatePackagesDialog(WorkerDialog):
    """Choose coders and a folder; writes one package per coder."""

    created = Signal(object)  # list[PackageReport], after every run that wrote packages

    def __init__(self, project: Project, coder_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Coder packages")
        self.project = project
        self.coder_id = coder_id
        self.reports: list[PackageReport] = []

        intro = QLabel(
            "A package is a project file for one coder: the recommendations given to them, "
            "the codebook and their own earlier codes, and none of the other coders' codes. "
            "They open it in UPR Coder, code offline and send it back to be merged "
            "(File ▸ Merge coder packages)."
        )
        intro.setWordWrap(True)

        coders_box = QGroupBox("Coders")
        self.coder_list = QListWidget()
        self.coder_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.coder_list.setSpacing(2)
        self.coder_list.itemChanged.connect(self._update_buttons)
        pick_all = QPushButton("All")
        pick_none = QPushButton("None")
        pick_all.clicked.connect(lambda: self._tick_all(True))
        pick_none.clicked.connect(lambda: self._tick_all(False))
        pick_row = QHBoxLayout()
        pick_row.addWidget(QLabel("Tick the coders to make a package for:"), 1)
        pick_row.addWidget(pick_all)
        pick_row.addWidget(pick_none)
        coders_layout = QVBoxLayout(coders_box)
        coders_layout.addLayout(pick_row)
        coders_layout.addWidget(self.coder_list, 1)

        what_box = QGroupBox("Recommendations in each package")
        self.scope = QButtonGroup(self)
        self.mine_radio = QRadioButton(
            "The recommendations assigned to the coder (every one if they have none)"
        )
        self.all_radio = QRadioButton("Every recommendation of the project")
        for radio in (self.mine_radio, self.all_radio):
            self.scope.addButton(radio)
        self.mine_radio.setChecked(True)
        what_layout = QVBoxLayout(what_box)
        what_layout.addWidget(self.mine_radio)
        what_layout.addWidget(self.all_radio)

        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("The folder to write the packages to")
        if project.path is not None:
            self.folder_edit.setText(str(project.path.parent))
        self.folder_edit.textChanged.connect(self._update_buttons)
        browse = QPushButton("Choose…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self.choose_folder)
        self.overwrite_box = QCheckBox("Replace packages of the same name")
        folder_box = QGroupBox("Where")
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        folder_layout = QVBoxLayout(folder_box)
        folder_layout.addLayout(folder_row)
        folder_layout.addWidget(self.overwrite_box)
        self.names_label = QLabel("")
        self.names_label.setWordWrap(True)
        folder_layout.addWidget(self.names_label)

        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            "Create packages", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.create_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(coders_box, 1)
        layout.addWidget(what_box)
        layout.addWidget(folder_box)
        layout.addWidget(self.progress_label)
        layout.addLayout(self.progress_row)
        layout.addWidget(self.buttons)
        self.setMinimumSize(620, 560)
        self.resize(680, 640)
        fit_to_screen(self)
        self.reload()

    # -- choices ----------------------------------------------------------------------
    def reload(self) -> None:
        self.coder_list.blockSignals(True)
        self.coder_list.clear()
        choices = package_choices(self.project)
        for coder in choices.coders:
            if coder.assigned is None:
                what = f"no assignment: all {choices.total} recommendations"
            else:
                what = f"{coder.assigned} assigned recommendations"
            role = "" if coder.role == "coder" else f" ({coder.role})"
            item = QListWidgetItem(f"{coder.name}{role} — {what}")
            item.setData(ID_ROLE, coder.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = coder.role == "coder"
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.coder_list.addItem(item)
        self.coder_list.blockSignals(False)
        if not self.coder_list.count():
            self.say("The project has no coders yet: add them in Assign recommendations.")
        self._update_buttons()

    def _tick_all(self, ticked: bool) -> None:
        state = Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        for row in range(self.coder_list.count()):
            self.coder_list.item(row).setCheckState(state)

    def chosen_coders(self) -> list[str]:
        return [
            self.coder_list.item(row).data(ID_ROLE)
            for row in range(self.coder_list.count())
            if self.coder_list.item(row).checkState() == Qt.CheckState.Checked
        ]

    def set_chosen_coders(self, names: Sequence[str]) -> None:
        for row in range(self.coder_list.count()):
            item = self.coder_list.item(row)
            ticked = item.data(ID_ROLE) in names
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def folder(self) -> Path | None:
        text = self.folder_edit.text().strip()
        return Path(text).expanduser() if text else None

    def target(self, coder: str) -> Path:
        folder = self.folder()
        assert folder is not None
        stem = self.project.path.stem if self.project.path is not None else "project"
        # Named among all the project's coders, so two never share a file.
        everyone = [
            self.coder_list.item(row).data(ID_ROLE) for row in range(self.coder_list.count())
        ]
        return folder / package_file_names(stem, everyone)[coder]

    def choose_folder(self) -> None:
        start = self.folder_edit.text().strip()
        chosen = QFileDialog.getExistingDirectory(self, "Write the packages to", start)
        if chosen:
            self.folder_edit.setText(chosen)

    def _update_buttons(self) -> None:
        coders = self.chosen_coders()
        ready = bool(coders) and self.folder() is not None and not self.running()
        self.create_button.setEnabled(ready)
        if coders and self.folder() is not None:
            names = [self.target(c).name for c in coders[:3]]
            more = f" and {len(coders) - 3} more" if len(coders) > 3 else ""
            self.names_label.setText("Files: " + ", ".join(names) + more)
        else:
            self.names_label.setText("")

    def set_busy(self, busy: bool) -> None:
        for widget in (self.coder_list, self.mine_radio, self.all_radio, self.folder_edit):
            widget.setEnabled(not busy)
        self.overwrite_box.setEnabled(not busy)
        self._update_buttons()

    # -- the work ---------------------------------------------------------------------
    def start(self) -> None:
        folder = self.folder()
        coders = self.chosen_coders()
        if folder is None or not coders:
            return
        if not folder.is_dir():
            self.say(f"The folder {folder} does not exist.", error=True)
            return
        targets = {name: self.target(name) for name in coders}
        overwrite = self.overwrite_box.isChecked()
        existing = [p.name for p in targets.values() if p.exists()]
        if existing and not overwrite:
            self.say(
                f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''} in "
                f"{folder}: tick 'Replace packages of the same name', or choose another folder.",
                error=True,
            )
            return
        scope: Literal["all", "mine"] = "all" if self.all_radio.isChecked() else "mine"
        project, made_by = self.project, self.coder_id

        def work(progress: ProgressFn) -> list[PackageReport]:
            done: list[PackageReport] = []
            for number, (name, path) in enumerate(targets.items()):
                progress(f"Writing the package for {name}…", number, len(targets))
                # One progress step per coder: each package is quick.
                done.append(
                    create_package(
                        project,
                        name,
                        path,
                        assignment=scope,
                        made_by_id=made_by,
                        overwrite=overwrite,
                    )
                )
            return done

        self.say("Starting…")
        self.run(work, self._succeeded, self._failed)

    def _succeeded(self, reports: list[PackageReport]) -> None:
        self.reports = reports
        lines = [f"{r.path.name}: {r.coder}, {r.recommendations} recommendations" for r in reports]
        folder = reports[0].path.parent if reports else self.folder()
        self.say(
            f"Wrote {len(reports)} package{'s' if len(reports) != 1 else ''} to {folder}:\n"
            + "\n".join(lines)
        )
        self.created.emit(reports)

    def _failed(self, error: BaseException) -> None:
        self.say(failure_message(error, "written"), error=True)
