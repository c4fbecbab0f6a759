"""File ▸ Export: the coded recommendations as a workbook or CSV, written off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.messages import ERROR_STYLE
from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.worker import Worker, run_in_background
from annotator.services.exporting import (
    ExportCancelled,
    ExportOptions,
    ExportResult,
    export,
    export_choices,
)
from annotator.services.failures import file_problem
from annotator.store.project import Project

FORMATS = (("xlsx", "Excel workbook (.xlsx)"), ("csv", "CSV, UTF-8 (.csv)"))
FILTERS = {"xlsx": "Excel workbooks (*.xlsx)", "csv": "CSV files (*.csv)"}


class ExportDialog(QDialog):
    """Choose what to export (format, whose codes, which reviews) and where."""

    exported = Signal(object)  # the ExportResult

    def __init__(self, project: Project, coder_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export coded recommendations")
        self.project = project
        self.coder_id = coder_id
        self.worker: Worker | None = None
        self.outcome: ExportResult | None = None
        self.choices = export_choices(project, coder_id)

        self.format_box = QComboBox()
        for key, label in FORMATS:
            self.format_box.addItem(label, key)
        self.format_box.currentIndexChanged.connect(self._format_changed)

        self.source_box = QComboBox()
        if self.choices.sees_others:
            self.source_box.addItem("Consensus (the adjudicated values)", "consensus")
            for name in self.choices.coders:
                self.source_box.addItem(f"Codes of {name}", f"coder:{name}")
            self.source_box.addItem(
                "Every coder (one row per recommendation and coder)", "all-coders"
            )
        else:  # coders work blind: their own codes are all they may export
            self.source_box.addItem(
                f"Your codes ({self.choices.coder_name})", f"coder:{self.choices.coder_name}"
            )
        wanted = self.source_box.findData(self.choices.default_source())
        self.source_box.setCurrentIndex(max(wanted, 0))

        self.review_box = QComboBox()
        self.review_box.addItem("All reviews", None)
        for review_id, label in self.choices.reviews:
            self.review_box.addItem(label, review_id)

        self.reliability_box = QCheckBox("Add the Reliability sheet when coders overlap")
        self.reliability_box.setChecked(True)

        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("Where to save the export")
        self.file_edit.textChanged.connect(self._update_buttons)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("Codes:", self.source_box)
        form.addRow("Recommendations:", self.review_box)
        form.addRow("", self.reliability_box)
        form.addRow("Save as:", file_row)

        self.note = QLabel(
            "The workbook has a Recommendations sheet to filter and pivot, a Summary with "
            "the response breakdown and charts, the codebook and what was exported. No "
            "cell can run a formula."
        )
        self.note.setWordWrap(True)
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setVisible(False)
        self.stop_button.clicked.connect(self.cancel)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addWidget(self.progress_label)
        layout.addLayout(progress_row)
        layout.addWidget(self.buttons)
        self.resize(640, 340)
        fit_to_screen(self)
        self._update_buttons()

    # -- choices ----------------------------------------------------------------------
    @property
    def format(self) -> str:
        return self.format_box.currentData()

    def options(self) -> ExportOptions:
        review = self.review_box.currentData()
        return ExportOptions(
            format=self.format,
            source=self.source_box.currentData(),
            review_ids=(review,) if review is not None else None,
            reliability=self.reliability_box.isChecked(),
        )

    def target(self) -> Path | None:
        text = self.file_edit.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.suffix:
            path = path.with_suffix(f".{self.format}")
        return path

    def choose_file(self) -> None:
        start = self.file_edit.text().strip() or f"recommendations.{self.format}"
        location, _ = QFileDialog.getSaveFileName(self, "Export to", start, FILTERS[self.format])
        if location:
            self.file_edit.setText(location)

    def _format_changed(self) -> None:
        self.reliability_box.setEnabled(self.format == "xlsx")
        text = self.file_edit.text().strip()
        if text:
            self.file_edit.setText(str(Path(text).with_suffix(f".{self.format}")))

    def _update_buttons(self) -> None:
        running = self.worker is not None and self.worker.is_running()
        self.export_button.setEnabled(bool(self.file_edit.text().strip()) and not running)

    # -- the work ---------------------------------------------------------------------
    def start(self) -> None:
        target = self.target()
        if target is None:
            return
        options = self.options()
        project, coder_id = self.project, self.coder_id

        def work(progress):
            return export(project, target, options, progress, by_coder_id=coder_id)

        self.progress_label.setStyleSheet("")
        self.progress_label.setText("Starting…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.stop_button.setVisible(True)
        self.stop_button.setEnabled(True)
        for box in (self.format_box, self.source_box, self.review_box, self.file_edit):
            box.setEnabled(False)
        self.worker = run_in_background(
            work,
            on_result=self._succeeded,
            on_error=self._failed,
            on_progress=self._progressed,
            on_finished=self._finished,
            cancelled=ExportCancelled,
            parent=self,
        )
        self._update_buttons()

    def cancel(self) -> None:
        if self.worker is not None and self.worker.is_running():
            self.progress_label.setText("Stopping…")
            self.stop_button.setEnabled(False)
            self.worker.cancel()

    def _progressed(self, label: str, done: int, total: int) -> None:
        self.progress_label.setText(label)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _succeeded(self, result: ExportResult) -> None:
        self.outcome = result
        what = f"{result.recommendations} recommendations ({result.source})"
        extra = f", {result.coder_rows} coders' rows" if result.coder_rows else ""
        cut = result.cut_sentence()
        self.progress_label.setText(
            f"Exported {what}{extra} in {result.seconds:.1f} s to {result.path}."
            + (f"\n{cut}" if cut else "")
        )
        self.exported.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.progress_label.setStyleSheet(ERROR_STYLE)
        if isinstance(error, ExportCancelled):
            self.progress_label.setText("Stopped: no file was written.")
        elif isinstance(error, ValueError):
            self.progress_label.setText(f"Not exported: {error}")
        elif isinstance(error, OSError):
            self.progress_label.setText(f"Not exported: {file_problem(error)}")
        else:
            self.progress_label.setText(f"Not exported: something went wrong ({error}).")

    def _finished(self) -> None:
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)
        for box in (self.format_box, self.source_box, self.review_box, self.file_edit):
            box.setEnabled(True)
        self._update_buttons()

    def reject(self) -> None:
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()
            self.worker.wait()
        super().reject()

    def closeEvent(self, event) -> None:
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()
            self.worker.wait()
        super().closeEvent(event)
