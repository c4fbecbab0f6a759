"""File ▸ Import: choose files (or paste text), preview what they bring, import or not."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator import states
from annotator.gui.mapping_dialog import MappingDialog
from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.settings import AppSettings
from annotator.gui.worker import Worker, run_in_background
from annotator.importers import detect
from annotator.importers.files import SourceFileError
from annotator.importers.records import ImportBatch, ReviewRecord
from annotator.services.failures import file_problem
from annotator.services.importing import (
    ImportCancelled,
    ImportOptions,
    ImportPlan,
    ImportRefused,
    describe,
    read_files,
    run_import,
)
from annotator.store.project import Project

FILE_FILTER = (
    "UPR sources (*.pdf *.docx *.xlsx *.xls *.ods *.csv *.txt);;"
    "PDF documents (*.pdf);;Word documents (*.docx);;"
    "Spreadsheets (*.xlsx *.xls *.ods *.csv);;Text (*.txt);;"
    "All files (*)"
)
AUTO = "Recognise from the file"
FROM_FILE = "(as the file says)"


class ImportDialog(QDialog):
    """Two pages: the sources, then the preview (and, after importing, the report)."""

    imported = Signal(object)  # the ImportPlan that was written

    def __init__(
        self,
        project: Project,
        settings: AppSettings,
        files: list[Path] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import recommendations or responses")
        self.project = project
        self.settings = settings
        self.mapping: dict[str, str] | None = None
        self.batches: list[ImportBatch] = []
        self.plan: ImportPlan | None = None
        self.worker: Worker | None = None

        self.pages = QStackedWidget()
        self.pages.addWidget(self._source_page())
        self.pages.addWidget(self._preview_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.resize(780, 560)
        fit_to_screen(self)
        for path in files or []:
            self.file_list.addItem(str(path))
        self._update_buttons()

    # -- page 1: sources -------------------------------------------------------------
    def _source_page(self) -> QWidget:
        page = QWidget()
        self.tabs = QTabWidget()
        files_tab = QWidget()
        self.file_list = QListWidget()
        self.file_list.setAlternatingRowColors(True)
        add = QPushButton("Add files…")
        add.clicked.connect(self.add_files)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        files_layout = QVBoxLayout(files_tab)
        files_layout.addWidget(
            QLabel(
                "OHCHR matrices, UPR Info or UHRI exports, Working Group reports, the "
                "state's responses, or any table. You can also drop files on the main window."
            )
        )
        files_layout.addWidget(self.file_list)
        files_layout.addLayout(buttons)
        self.tabs.addTab(files_tab, "Files")

        paste_tab = QWidget()
        self.pasted = QPlainTextEdit()
        self.pasted.setPlaceholderText(
            "Paste a Working Group report's list of recommendations (150.1 Ratify … (France);)"
            " or the state's responses (The following recommendations are accepted: 150.1, "
            "150.3–150.7 …)"
        )
        paste_layout = QVBoxLayout(paste_tab)
        paste_layout.addWidget(self.pasted)
        self.tabs.addTab(paste_tab, "Paste text")
        self.tabs.currentChanged.connect(self._update_buttons)
        self.pasted.textChanged.connect(self._update_buttons)
        self.file_list.model().rowsInserted.connect(self._update_buttons)
        self.file_list.model().rowsRemoved.connect(self._update_buttons)

        self.format_box = QComboBox()
        self.format_box.addItem(AUTO, None)
        for key, label in detect.FORMATS.items():
            self.format_box.addItem(label, key)
        self.format_box.currentIndexChanged.connect(self._update_buttons)
        self.state_box = QComboBox()
        self.state_box.setEditable(True)
        self.state_box.addItem(FROM_FILE, None)
        for state in sorted(states.all_states(), key=lambda s: s.name):
            self.state_box.addItem(state.name, state.iso3)
        self.state_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.cycle_box = QSpinBox()
        self.cycle_box.setRange(0, 4)
        self.cycle_box.setSpecialValueText(FROM_FILE)
        self.mapping_button = QPushButton("Column mapping…")
        self.mapping_button.clicked.connect(self.choose_mapping)
        self.mapping_label = QLabel("")
        self.mapping_label.setWordWrap(True)
        mapping_row = QHBoxLayout()
        mapping_row.addWidget(self.mapping_button)
        mapping_row.addWidget(self.mapping_label, 1)

        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("State under review:", self.state_box)
        form.addRow("Cycle:", self.cycle_box)
        form.addRow("", mapping_row)
        hint = QLabel(
            "Working Group reports and responses do not say which review they belong to: "
            "choose the state and cycle."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray")
        form.addRow("", hint)

        self.preview_button = QPushButton("Preview")
        self.preview_button.setDefault(True)
        self.preview_button.clicked.connect(self.preview)
        close = QPushButton("Cancel")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        bottom.addWidget(self.preview_button)

        layout = QVBoxLayout(page)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(form)
        layout.addLayout(bottom)
        return page

    def add_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import files", "", FILE_FILTER)
        for name in names:
            self.file_list.addItem(name)

    def _remove_selected(self) -> None:
        for item in self.file_list.selectedItems():
            self.file_list.takeItem(self.file_list.row(item))

    def files(self) -> list[Path]:
        return [Path(self.file_list.item(i).text()) for i in range(self.file_list.count())]

    def chosen_format(self) -> str | None:
        return self.format_box.currentData()

    def chosen_review(self) -> ReviewRecord | None:
        text = self.state_box.currentText().strip()
        if not text or text == FROM_FILE or self.cycle_box.value() == 0:
            return None
        state = states.match_state(text)
        if state is None:
            raise ValueError(f"'{text}' is not a UN member or observer state.")
        return ReviewRecord(state.iso3, self.cycle_box.value())

    def _pasting(self) -> bool:
        return self.tabs.currentIndex() == 1

    def _update_buttons(self, *_args) -> None:
        has_input = (
            bool(self.pasted.toPlainText().strip())
            if self._pasting()
            else bool(self.file_list.count())
        )
        self.preview_button.setEnabled(has_input)
        self.remove_button.setEnabled(bool(self.file_list.count()))
        table = self.chosen_format() == "table"
        self.mapping_button.setEnabled(table and bool(self.file_list.count()))
        if not table:
            self.mapping_label.setText("")

    def choose_mapping(self, path: Path | None = None) -> bool:
        files = self.files()
        if not files:
            return False
        dialog = MappingDialog(path or files[0], self.settings, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.mapping = dialog.mapping()
        self.mapping_label.setText(
            ", ".join(f"{target} ← {column}" for target, column in self.mapping.items())
        )
        return True

    # -- page 2: preview and report --------------------------------------------------
    def _preview_page(self) -> QWidget:
        page = QWidget()
        self.preview_title = QLabel("Preview: nothing has been written yet.")
        self.preview_title.setStyleSheet("font-weight: bold")
        self.preview_title.setWordWrap(True)
        self.progress_label = QLabel("")
        self.progress = QProgressBar()
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.import_button = QPushButton("Import")
        self.import_button.clicked.connect(self.run)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        # Shown when a file is a table of no known layout: the mapping is chosen here.
        self.columns_button = QPushButton("Choose columns…")
        self.columns_button.clicked.connect(self.choose_columns)
        self.columns_button.setVisible(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.back_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(self.columns_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(page)
        layout.addWidget(self.preview_title)
        layout.addWidget(self.progress_label)
        layout.addLayout(progress_row)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)
        return page

    def _options(self) -> ImportOptions:
        return ImportOptions(
            format=self.chosen_format(), review=self.chosen_review(), mapping=self.mapping
        )

    def preview(self) -> None:
        try:
            options = self._options()
        except ValueError as error:
            self._show_page_error(str(error))
            return
        if options.format == "table" and not self.mapping and not self._pasting():
            if not self.choose_mapping():
                return
            options.mapping = self.mapping
        pasted = self.pasted.toPlainText() if self._pasting() else None
        files = self.files()

        def work(progress):
            if pasted is not None:
                fmt = options.format or "wg-report"
                try:
                    batches = [detect.read_pasted(fmt, pasted, review=options.review)]
                except SourceFileError as error:
                    batch = ImportBatch(file="pasted text", format=fmt)
                    batch.problem(None, None, str(error))
                    batches = [batch]
            else:
                batches = read_files(files, options, progress)
            plan = run_import(self.project, batches, options, commit=False, progress=progress)
            return batches, plan

        self.pages.setCurrentIndex(1)
        self.preview_title.setText("Preview: nothing has been written yet.")
        self.columns_button.setVisible(False)
        self.report.clear()
        self.options = options
        self._start(work, self._previewed)

    def _unmapped(self) -> Path | None:
        """The first file read as a table of no known layout without a mapping."""
        names = {b.file for b in self.batches if b.needs_mapping}
        return next((path for path in self.files() if path.name in names), None)

    def choose_columns(self) -> None:
        path = self._unmapped()
        if path is not None and self.choose_mapping(path):
            self.preview()

    def _previewed(self, result) -> None:
        self.batches, self.plan = result
        self.report.setPlainText("\n".join(describe(self.plan, limit=200)))
        unmapped = None if self._pasting() else self._unmapped()
        self.columns_button.setVisible(unmapped is not None)
        if unmapped is not None:
            self.preview_title.setText(
                f"{unmapped.name} is a table UPR Coder does not know: press "
                "“Choose columns…” to say which column holds the recommendation text "
                "and the others. Nothing has been written."
            )
        elif self.plan.errors:
            self.preview_title.setText(
                f"This import would be refused: {len(self.plan.errors)} errors (listed below). "
                "Nothing has been written."
            )
        elif not self.plan.writes_anything:
            self.preview_title.setText("Nothing new: the project already holds all of this.")
        else:
            self.preview_title.setText("Preview: nothing has been written yet.")
        self.import_button.setEnabled(not self.plan.errors and self.plan.writes_anything)

    def run(self) -> None:
        batches, options = self.batches, self.options

        def work(progress):
            return run_import(self.project, batches, options, commit=True, progress=progress)

        self.import_button.setEnabled(False)
        self._start(work, self._done)

    def _done(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.preview_title.setText("Imported.")
        self.report.setPlainText("\n".join(["Imported:", *describe(plan, limit=200)]))
        self.import_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.imported.emit(plan)

    def stop(self) -> None:
        if self.worker is not None:
            self.stop_button.setEnabled(False)
            self.progress_label.setText("Stopping…")
            self.worker.cancel()

    def _start(self, work, on_success) -> None:
        for button in (self.import_button, self.back_button, self.close_button):
            button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.stop_button.setVisible(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.progress_label.setText("Reading…")
        self.worker = run_in_background(
            work,
            on_result=on_success,
            on_error=self._failed,
            on_progress=self._progressed,
            on_finished=self._finished,
            cancelled=ImportCancelled,
            parent=self,
        )

    def _progressed(self, label: str, done: int, total: int) -> None:
        self.progress_label.setText(label)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, ImportCancelled):
            self.preview_title.setText("Stopped: nothing was written.")
        elif isinstance(error, ImportRefused):
            self.preview_title.setText("Refused: nothing was written.")
            self.report.setPlainText("\n".join(describe(error.plan, limit=200)))
        elif isinstance(error, OSError):
            self.preview_title.setText("The import failed: nothing was written.")
            self.report.setPlainText(file_problem(error, writing=False))
        else:
            self.preview_title.setText("The import failed: nothing was written.")
            self.report.setPlainText(f"{type(error).__name__}: {error}")
        self.import_button.setEnabled(False)

    def _finished(self) -> None:
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)
        self.progress_label.setText("")
        self.close_button.setEnabled(True)
        if self.preview_title.text() != "Imported.":
            self.back_button.setEnabled(True)
        self.worker = None

    def _show_page_error(self, message: str) -> None:
        self.pages.setCurrentIndex(1)
        self.preview_title.setText("Please correct the choices on the previous page.")
        self.report.setPlainText(message)
        self.import_button.setEnabled(False)

    def done(self, result: int) -> None:
        if self.worker is not None:  # closing while working: stop, then wait for rollback
            self.worker.cancel()
            self.worker.wait()
        super().done(result)
