"""File ▸ Coder packages and File ▸ Merge: packages out to coders, and back in.

Both dialogs run their work off the GUI thread (``annotator.gui.worker.Worker``). The
merge dialog previews every merge before it is made (the service computes the preview
by doing the merge and rolling it back, so what is shown is what Merge does) and
refuses to merge a file that changed since its preview.
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
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.worker import ProgressFn, Worker
from annotator.services import assignments
from annotator.services.coders import list_coders
from annotator.services.packages import (
    MergeCancelled,
    MergePlan,
    PackagePlan,
    PackageReport,
    ValueChange,
    create_package,
    merge,
    merge_preview,
    package_file_names,
)
from annotator.store.errors import ProjectError
from annotator.store.project import Project

ERROR_STYLE = "color: #a40000;"
ID_ROLE = Qt.ItemDataRole.UserRole
PACKAGE_FILTER = "UPR Coder packages (*.upr);;All files (*)"
SHOWN_CHANGES = 200  # per package: the tree stays quick; the command line lists all
EXPANDED_CHANGES = 30


def _message(error: BaseException, what: str) -> str:
    if isinstance(error, MergeCancelled):
        return f"Stopped: nothing was {what}."
    if isinstance(error, ProjectError | ValueError | OSError):
        return str(error)
    return f"Nothing was {what}: something went wrong ({error})."


class _WorkerDialog(QDialog):
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
        self.worker = Worker(work, MergeCancelled, self)
        self.worker.progressed.connect(self._progressed)
        self.worker.succeeded.connect(succeeded)
        self.worker.failed.connect(failed)
        self.worker.finished.connect(self._finished)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.stop_button.setVisible(True)
        self.stop_button.setEnabled(True)
        self.set_busy(True)
        self.worker.start()

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


class CreatePackagesDialog(_WorkerDialog):
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
        self.reload()

    # -- choices ----------------------------------------------------------------------
    def reload(self) -> None:
        self.coder_list.blockSignals(True)
        self.coder_list.clear()
        with self.project.session() as session:
            total = len(assignments.all_ids(session))
            summary = {s.coder_id: s for s in assignments.assignment_summary(session)}
            for coder in list_coders(session):
                line = summary.get(coder.id)
                if line is None or line.sees_everything:
                    what = f"no assignment: all {total} recommendations"
                else:
                    what = f"{line.assigned} assigned recommendations"
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
        self.say(_message(error, "written"), error=True)


# ========================================================================= merging


def _change_line(change: ValueChange, *, applied: bool) -> str:
    where = f"{change.recommendation}, {change.field}"
    if change.conflict:
        kept = (
            "the package's, the later edit"
            if change.winner == "package"
            else ("the project's, the later edit")
        )
        return (
            f"Conflict on {where}: project {change.before}, package {change.after}; "
            f"{'kept' if applied else 'keeps'} {kept}"
        )
    verb = {
        "added": ("Add", "Added"),
        "changed": ("Change", "Changed"),
        "removed": ("Remove", "Removed"),
    }[change.kind][applied]
    if change.kind == "added":
        return f"{verb} {where}: {change.after}"
    if change.kind == "removed":
        return f"{verb} {where}: {change.before}"
    return f"{verb} {where}: {change.before} → {change.after}"


COLUMNS = ("Coder and package", "Added", "Changed", "Removed", "Conflicts", "Statuses")


class MergeDialog(_WorkerDialog):
    """Choose package files, read the preview per coder, then merge them all at once."""

    merged = Signal()  # after a merge that was committed
    previewed = Signal(object)  # the MergePlan of each successful preview

    def __init__(self, project: Project, coder_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Merge coder packages")
        self.project = project
        self.coder_id = coder_id
        self.plan: MergePlan | None = None
        self.outcome: MergePlan | None = None
        self._pending_preview = False

        intro = QLabel(
            "Choose the packages that coders sent back. Nothing is merged until you press "
            "Merge: first each package is checked, and the preview shows for each coder what "
            "will be added, changed and removed. A conflict is a value that both the project "
            "and the package changed since the package was made: the later edit wins, and "
            "the other one is kept in the audit trail."
        )
        intro.setWordWrap(True)

        files_box = QGroupBox("Packages")
        self.file_list = QListWidget()
        self.file_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.file_list.setMaximumHeight(110)
        self.add_button = QPushButton("Add packages…")
        self.remove_button = QPushButton("Remove")
        for button in (self.add_button, self.remove_button):
            button.setAutoDefault(False)
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.add_coders_box = QCheckBox("Add coders the project does not have yet")
        self.add_coders_box.setToolTip(
            "A package of a coder this project does not know is refused unless this is "
            "ticked; the coder is then added with the same identity."
        )
        self.add_coders_box.toggled.connect(self.preview)
        file_buttons = QVBoxLayout()
        file_buttons.addWidget(self.add_button)
        file_buttons.addWidget(self.remove_button)
        file_buttons.addStretch(1)
        files_row = QHBoxLayout()
        files_row.addWidget(self.file_list, 1)
        files_row.addLayout(file_buttons)
        files_layout = QVBoxLayout(files_box)
        files_layout.addLayout(files_row)
        files_layout.addWidget(self.add_coders_box)

        preview_box = QGroupBox("Preview")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.tree)

        self.buttons = QDialogButtonBox()
        self.merge_button = self.buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.merge_button.clicked.connect(self.start_merge)
        self.close_button.clicked.connect(self.reject)
        self.merge_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(files_box)
        layout.addWidget(preview_box, 1)
        layout.addWidget(self.progress_label)
        layout.addLayout(self.progress_row)
        layout.addWidget(self.buttons)
        self.setMinimumSize(760, 600)
        self.resize(900, 680)
        self.say("Add the packages to merge.")

    # -- files ------------------------------------------------------------------------
    def paths(self) -> list[Path]:
        return [Path(self.file_list.item(i).data(ID_ROLE)) for i in range(self.file_list.count())]

    def add_files(self, paths: Sequence[str | Path]) -> None:
        known = set(self.paths())
        for path in paths:
            path = Path(path)
            if path in known:
                continue
            known.add(path)
            item = QListWidgetItem(f"{path.name}  —  {path.parent}")
            item.setData(ID_ROLE, str(path))
            item.setToolTip(str(path))
            self.file_list.addItem(item)
        self.preview()

    def choose_files(self) -> None:
        start = str(self.project.path.parent) if self.project.path is not None else ""
        chosen, _ = QFileDialog.getOpenFileNames(self, "Packages to merge", start, PACKAGE_FILTER)
        if chosen:
            self.add_files(chosen)

    def remove_selected(self) -> None:
        for item in self.file_list.selectedItems():
            self.file_list.takeItem(self.file_list.row(item))
        self.preview()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.file_list, self.add_button, self.remove_button, self.add_coders_box):
            widget.setEnabled(not busy)
        ready = self.plan is not None and self.plan.writes_anything and self.outcome is None
        self.merge_button.setEnabled(not busy and ready)
        if not busy and self._pending_preview:
            self._pending_preview = False
            self.preview()

    # -- preview and merge ------------------------------------------------------------
    def preview(self) -> None:
        if self.running():
            self._pending_preview = True  # the files changed while a preview ran
            return
        self.plan = None
        self.outcome = None
        self.tree.clear()
        self.merge_button.setEnabled(False)
        paths = self.paths()
        if not paths:
            self.say("Add the packages to merge.")
            return
        project, add_coders = self.project, self.add_coders_box.isChecked()
        by = self.coder_id

        def work(progress: ProgressFn) -> MergePlan:
            return merge_preview(
                project, paths, add_coders=add_coders, by_coder_id=by, progress=progress
            )

        self.say("Checking the packages…")
        self.run(work, self._previewed, self._preview_failed)

    def _previewed(self, plan: MergePlan) -> None:
        if self._pending_preview:
            return  # a newer choice of files is previewed next
        self.plan = plan
        self.show_plan(plan)
        if plan.writes_anything:
            self.say("Read the preview, then press Merge to bring it all into the project.")
        else:
            self.say("Nothing new to merge: the project already holds all of it.")
        self.previewed.emit(plan)

    def _preview_failed(self, error: BaseException) -> None:
        self.plan = None
        self.tree.clear()
        self.say(_message(error, "merged"), error=True)

    def start_merge(self) -> None:
        if self.plan is None or self.running():
            return
        project, preview, by = self.project, self.plan, self.coder_id
        paths = [p.path for p in preview.packages]
        add_coders = self.add_coders_box.isChecked()

        def work(progress: ProgressFn) -> MergePlan:
            return merge(
                project,
                paths,
                by_coder_id=by,
                add_coders=add_coders,
                preview=preview,
                progress=progress,
            )

        self.say("Merging…")
        self.run(work, self._merged, self._merge_failed)

    def _merged(self, plan: MergePlan) -> None:
        self.outcome = plan
        self.show_plan(plan)
        coders = ", ".join(c.coder for c in plan.coders)
        text = (
            f"Merged {len(plan.packages)} package{'s' if len(plan.packages) != 1 else ''} "
            f"({coders})."
        )
        if plan.backup is not None:
            text += f" A copy of the project as it was before is in {plan.backup.parent.name}."
        self.say(text)
        if plan.backup is not None:
            self.progress_label.setToolTip(str(plan.backup))
        self.merged.emit()

    def _merge_failed(self, error: BaseException) -> None:
        self.say(_message(error, "merged"), error=True)

    # -- showing a plan ---------------------------------------------------------------
    def show_plan(self, plan: MergePlan) -> None:
        self.tree.clear()
        for coder in plan.coders:
            statuses = sum(p.statuses_added + p.statuses_changed for p in coder.packages)
            top = QTreeWidgetItem(
                [
                    coder.coder,
                    str(coder.added),
                    str(coder.changed),
                    str(coder.removed),
                    str(coder.conflicts),
                    str(statuses),
                ]
            )
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            for package in coder.packages:
                item = self._package_item(package, applied=plan.applied)
                top.addChild(item)
                for row in range(item.childCount()):
                    child = item.child(row)
                    if child is not None:
                        child.setFirstColumnSpanned(True)  # a sentence, not figures
                # Conflicts and notes are what the coordinator must read; a short list of
                # changes is shown too, a long one waits to be opened.
                item.setExpanded(
                    package.conflicts > 0
                    or item.childCount() <= EXPANDED_CHANGES
                    or bool(package.warnings or package.retired)
                )
            top.setExpanded(True)
        for column in range(1, len(COLUMNS)):
            self.tree.resizeColumnToContents(column)

    def _package_item(self, package: PackagePlan, *, applied: bool) -> QTreeWidgetItem:
        statuses = package.statuses_added + package.statuses_changed
        if package.already_merged_at is not None:
            item = QTreeWidgetItem([f"{package.name}: {package.summary()}"])
            item.setToolTip(0, str(package.path))
            return item
        item = QTreeWidgetItem(
            [
                f"{package.name} (made {package.made_at:%Y-%m-%d %H:%M} UTC)",
                str(package.added),
                str(package.changed),
                str(package.removed),
                str(package.conflicts),
                str(statuses),
            ]
        )
        item.setToolTip(0, f"{package.path}\n{package.summary(applied=applied)}")
        notes: list[str] = []
        if package.coder_added:
            notes.append(package.added_coder_sentence())
        notes += [
            f"Retired code kept: {key} ({count} value{'s' if count != 1 else ''})"
            for key, count in sorted(package.retired.items())
        ]
        notes += package.warnings
        for note in notes:
            child = QTreeWidgetItem([note])
            child.setToolTip(0, note)
            item.addChild(child)
        changes = sorted(package.changes, key=lambda c: not c.conflict)
        for change in changes[:SHOWN_CHANGES]:
            line = _change_line(change, applied=applied)
            child = QTreeWidgetItem([line])
            child.setToolTip(0, line)
            if change.conflict:
                child.setForeground(0, Qt.GlobalColor.darkRed)
            item.addChild(child)
        if len(changes) > SHOWN_CHANGES:
            item.addChild(QTreeWidgetItem([f"… and {len(changes) - SHOWN_CHANGES} more"]))
        return item
