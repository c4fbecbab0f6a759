"""File ▸ Merge: coder packages back into the project, each previewed first.

The service computes the preview by doing the merge and rolling it back, so what is
shown is what Merge does; a file that changed since its preview is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.packages_dialog import ID_ROLE, PACKAGE_FILTER, WorkerDialog, failure_message
from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.worker import ProgressFn
from annotator.services.packages import (
    MergePlan,
    PackagePlan,
    ValueChange,
    merge,
    merge_preview,
)
from annotator.store.project import Project

SHOWN_CHANGES = 200  # per package: the tree stays quick; the command line lists all
EXPANDED_CHANGES = 30


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


class MergeDialog(WorkerDialog):
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
        fit_to_screen(self)
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
        self.say(failure_message(error, "merged"), error=True)

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
        self.say(failure_message(error, "merged"), error=True)

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
