"""The reliability report: how far coders agree, field by field, code by code.

The figures are computed off the GUI thread (``run_in_background``) by
``annotator.services.reliability_report``, which also writes the workbook or CSV the
"Save as…" button offers. Every figure is shown with its plain-language reading, so a
coordinator need not know what a kappa is to see which codes need work.
"""

from __future__ import annotations

import math
from html import escape
from itertools import combinations
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.messages import MessageLine
from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.worker import Worker, run_in_background
from annotator.reliability import MIN_UNITS_FOR_ALPHA, too_few_units
from annotator.services.permissions import NotPermitted
from annotator.services.reliability_report import (
    FieldReport,
    Report,
    ReportCancelled,
    write_report,
)
from annotator.services.reliability_report.measuring import coders_to_compare, measure
from annotator.store.errors import ProjectError
from annotator.store.project import Project

BOOTSTRAP_DRAWS = 1000
# Krippendorff's thresholds, the same the readings use.
RELIABLE, TENTATIVE = 0.800, 0.667
BANDS = (
    ("Reliable (≥ .800)", QColor("#3a8a3a")),
    ("Tentative (.667 to .800)", QColor("#d9a21b")),
    ("Unreliable (< .667)", QColor("#c0392b")),
)
BAR_HEIGHT = 26
SAVE_FILTERS = "Workbook (*.xlsx);;Comma-separated values (*.csv)"


def _fmt(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.3f}"


def _item(text: str, *, number: bool = False, tooltip: str = "") -> QTableWidgetItem:
    cell = QTableWidgetItem(text)
    if number:
        cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tooltip:
        cell.setToolTip(tooltip)
    return cell


def _table(headers: list[str], stretch: int | None) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class ReliabilityReportDialog(QDialog):
    """Coefficients per field with their readings, per code, per pair of coders."""

    computed = Signal(object)  # the Report, once the figures are in

    def __init__(
        self, project: Project, coder_id: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Inter-coder reliability")
        self.project = project
        self.coder_id = coder_id
        self.outcome: Report | None = None
        self.worker: Worker | None = None

        intro = QLabel(
            "How far the coders agree on the recommendations two or more of them coded. "
            "Each figure comes with what it means; codes that coders apply differently "
            "are listed first, so the codebook can be sharpened where it matters."
        )
        intro.setWordWrap(True)

        self.coders_combo = QComboBox()
        self.coders_combo.addItem("All coders", None)
        self.intervals_check = QCheckBox("95 % intervals (slower)")
        self.intervals_check.setToolTip(
            f"Draw the recommendations {BOOTSTRAP_DRAWS:,} times to show how far each "
            "figure could move by chance"
        )
        self.unsuggested_check = QCheckBox("Only coded without suggestions")
        self.unsuggested_check.setToolTip(
            "Leave out the recommendations on which a coder had theme suggestions on screen"
        )
        self.measure_button = QPushButton("Measure again")
        self.measure_button.clicked.connect(self.start)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Coders"))
        controls.addWidget(self.coders_combo)
        controls.addSpacing(12)
        controls.addWidget(self.intervals_check)
        controls.addWidget(self.unsuggested_check)
        controls.addStretch(1)
        controls.addWidget(self.measure_button)

        self.overlap_label = QLabel("")
        self.overlap_label.setWordWrap(True)
        self.progress_label = QLabel("")
        self.progress = QProgressBar()
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)

        self.field_combo = QComboBox()
        self.field_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.field_combo.currentIndexChanged.connect(self._show_field)
        field_row = QHBoxLayout()
        field_row.addWidget(QLabel("Field"))
        field_row.addWidget(self.field_combo)
        field_row.addStretch(1)
        self.notes_label = QLabel("")
        self.notes_label.setWordWrap(True)
        # Whether this field's double-coded sample met its plan (services.sample_plan).
        self.plan_label = QLabel("")
        self.plan_label.setWordWrap(True)

        self.figures_table = _table(
            ["Measure", "Value", "95 % interval", "Compared", "What it means"], stretch=4
        )
        self.codes_table = _table(
            ["Code", "Alpha", "Kappa", "Chosen in", "What it means"], stretch=4
        )
        header = self.codes_table.horizontalHeaderItem(3)
        assert header is not None  # the five headers were just set
        header.setToolTip("Share of all the coders' ratings that include the code")
        self.pairs_table = _table([], stretch=None)
        self.pairs_caption = QLabel("")
        self.pairs_caption.setWordWrap(True)
        pairs_page = QWidget()
        pairs_layout = QVBoxLayout(pairs_page)
        pairs_layout.addWidget(self.pairs_caption)
        pairs_layout.addWidget(self.pairs_table, 1)

        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        # Qt's own legend cuts its labels short in narrow fonts; a label of ours does not.
        self.chart.legend().hide()
        self.chart_legend = QLabel(
            "&nbsp;&nbsp;&nbsp;".join(
                f'<span style="color:{colour.name()}">■</span> {escape(label)}'
                for label, colour in BANDS
            )
        )
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_scroll = QScrollArea()
        self.chart_scroll.setWidgetResizable(True)
        self.chart_scroll.setWidget(self.chart_view)
        self.chart_caption = QLabel("")
        self.chart_caption.setWordWrap(True)
        chart_page = QWidget()
        chart_layout = QVBoxLayout(chart_page)
        chart_layout.addWidget(self.chart_caption)
        chart_layout.addWidget(self.chart_scroll, 1)
        chart_layout.addWidget(self.chart_legend)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.figures_table, "Figures")
        self.tabs.addTab(self.codes_table, "By code")
        self.tabs.addTab(chart_page, "Chart of codes")
        self.tabs.addTab(pairs_page, "Between coders")

        self.message = MessageLine()

        self.save_button = QPushButton("Save as…")
        self.save_button.setToolTip("Save the whole report as a workbook (.xlsx) or CSV file")
        self.save_button.clicked.connect(self.save_as)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        for button in (self.save_button, self.measure_button, self.stop_button):
            button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(controls)
        layout.addWidget(self.overlap_label)
        layout.addLayout(progress_row)
        layout.addLayout(field_row)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.setMinimumSize(860, 600)
        self.resize(1080, 760)
        fit_to_screen(self)

        allowed = self._fill_coders()
        self._set_idle()
        if allowed:
            self.start()
        else:
            self.measure_button.setEnabled(False)

    # ------------------------------------------------------------------ computing

    @property
    def message_is_error(self) -> bool:
        return self.message.is_error

    def _fill_coders(self) -> bool:
        """Whether the person may measure; if not, the dialog says which role it needs."""
        try:
            names = coders_to_compare(self.project, by_coder_id=self.coder_id)
        except NotPermitted as refused:
            self.message.say(f"{refused} Coders work blind.", error=True)
            return False
        except ProjectError as error:
            self.message.say(f"The project could not be read: {error}", error=True)
            return False
        for first, second in combinations(names, 2):
            self.coders_combo.addItem(f"{first} and {second}", [first, second])
        return True

    def start(self) -> None:
        if self.worker is not None:
            return
        coders = self.coders_combo.currentData()
        draws = BOOTSTRAP_DRAWS if self.intervals_check.isChecked() else 0
        project, coder_id = self.project, self.coder_id
        unsuggested = self.unsuggested_check.isChecked()

        def work(progress):
            return measure(
                project,
                by_coder_id=coder_id,
                coders=coders,
                bootstrap=draws,
                progress=progress,
                without_suggestions=unsuggested,
            )

        self.measure_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        for widget in (self.progress_label, self.progress, self.stop_button):
            widget.setVisible(True)
        self.progress.setRange(0, 0)
        self.progress_label.setText("Reading the codes…")
        self.message.say("")
        # The callbacks arrive through the event loop, so after the lines above.
        self.worker = run_in_background(
            work,
            on_result=self._computed,
            on_error=self._failed,
            on_progress=self._progressed,
            on_finished=self._finished,
            cancelled=ReportCancelled,
            parent=self,
        )

    def stop(self) -> None:
        if self.worker is not None:
            self.stop_button.setEnabled(False)
            self.progress_label.setText("Stopping…")
            self.worker.cancel()

    def _progressed(self, label: str, done: int, total: int) -> None:
        self.progress_label.setText(label)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _computed(self, result: Report) -> None:
        self.outcome = result
        self.overlap_label.setText(f"{result.overlap_reading} {result.suggestions_reading}")
        self.field_combo.blockSignals(True)
        self.field_combo.clear()
        for fr in result.fields:
            self.field_combo.addItem(self._field_title(fr), fr.key)
        self.field_combo.blockSignals(False)
        titles = [self._field_title(fr) for fr in result.fields]
        self.field_combo.setMinimumContentsLength(max(map(len, titles), default=20))
        first = next((n for n, fr in enumerate(result.fields) if fr.n_units), 0)
        self.field_combo.setCurrentIndex(first)
        self._show_field(first)
        if not result.comparable:
            self.message.say(
                "Fewer than two coders have coded the same recommendations, so there is no "
                "agreement to measure yet. Give two coders the same recommendations "
                "(Assign recommendations: a random sample for double coding).",
                error=True,
            )
        self.computed.emit(result)

    @staticmethod
    def _field_title(fr: FieldReport) -> str:
        if not fr.n_units:
            return f"{fr.label} (nothing to compare yet)"
        alpha = next((f for f in fr.figures if f.measure == "alpha"), None)
        summary = ""
        if alpha is not None and too_few_units(alpha.n_pairable):
            summary = f", α: too few to measure ({alpha.n_pairable})"
        elif alpha is not None:
            summary = f", α = {_fmt(alpha.value)}"
        return f"{fr.label} ({fr.n_units} compared{summary})"

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, ReportCancelled):
            self.message.say("Stopped before the figures were ready.")
        elif isinstance(error, ValueError | ProjectError):
            self.message.say(f"The figures could not be computed: {error}", error=True)
        else:
            self.message.say(
                f"The figures could not be computed ({type(error).__name__}: {error}).", error=True
            )

    def _finished(self) -> None:
        self.worker = None
        self._set_idle()

    def _set_idle(self) -> None:
        for widget in (self.progress_label, self.progress, self.stop_button):
            widget.setVisible(False)
        self.measure_button.setEnabled(True)
        self.save_button.setEnabled(self.outcome is not None and self.outcome.comparable)

    def wait_until_computed(self, milliseconds: int = 60_000) -> None:
        """Block until the figures are in (for scripts and tests)."""
        if self.worker is not None:
            self.worker.wait(milliseconds)

    # ------------------------------------------------------------------ showing

    def current_field(self) -> FieldReport | None:
        if self.outcome is None:
            return None
        key = self.field_combo.currentData()
        return next((fr for fr in self.outcome.fields if fr.key == key), None)

    def choose_field(self, key: str) -> None:
        self.field_combo.setCurrentIndex(max(0, self.field_combo.findData(key)))

    def _show_field(self, _index: int) -> None:
        fr = self.current_field()
        if fr is None:
            return
        self.notes_label.setText(" ".join(fr.notes))
        self.notes_label.setVisible(bool(fr.notes))
        planned = self.outcome.plan_reading(fr.key) if self.outcome is not None else None
        self.plan_label.setText(f"Sample plan: {planned}" if planned else "")
        self.plan_label.setVisible(bool(planned))
        self._fill_figures(fr)
        self._fill_codes(fr)
        self._fill_chart(fr)
        self._fill_pairs(fr)

    def _fill_figures(self, fr: FieldReport) -> None:
        table = self.figures_table
        table.setRowCount(len(fr.figures))
        for row, fig in enumerate(fr.figures):
            interval = f"{_fmt(fig.ci[0])} to {_fmt(fig.ci[1])}" if fig.ci else ""
            table.setItem(row, 0, _item(fig.name))
            table.setItem(row, 1, _item(_fmt(fig.value), number=True, tooltip=fig.reason or ""))
            table.setItem(row, 2, _item(interval))
            table.setItem(row, 3, _item(str(fig.n_pairable), number=True))
            table.setItem(row, 4, _item(fig.reading, tooltip=fig.reading))
        table.setColumnHidden(2, not any(fig.ci for fig in fr.figures))
        table.resizeRowsToContents()

    def _fill_codes(self, fr: FieldReport) -> None:
        table = self.codes_table
        table.setRowCount(len(fr.by_code))
        for row, code in enumerate(fr.by_code):
            table.setItem(row, 0, _item(code.label, tooltip=code.code))
            table.setItem(row, 1, _item(_fmt(code.alpha), number=True))
            table.setItem(row, 2, _item(_fmt(code.kappa), number=True, tooltip=code.kappa_name))
            table.setItem(row, 3, _item(f"{code.prevalence * 100:.1f} %", number=True))
            table.setItem(row, 4, _item(code.reading, tooltip=code.reading))
        table.resizeRowsToContents()
        self.tabs.setTabEnabled(1, bool(fr.by_code))
        self.tabs.setTabEnabled(2, bool(fr.by_code))

    def _fill_chart(self, fr: FieldReport) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        defined = [c for c in fr.by_code if not math.isnan(c.alpha)]
        undefined = len(fr.by_code) - len(defined)
        # An alpha on too few recommendations gets no bar: its colour would be a verdict.
        shown = [c for c in defined if not too_few_units(c.n_pairable)]
        few = len(defined) - len(shown)
        # Least reliable at the top: the category axis draws its first entry at the bottom.
        shown = list(reversed(shown))
        sets = [QBarSet(label) for label, _ in BANDS]
        for bar_set, (_, colour) in zip(sets, BANDS, strict=True):
            bar_set.setColor(colour)
            bar_set.setBorderColor(colour)
        for code in shown:
            band = 0 if code.alpha >= RELIABLE else 1 if code.alpha >= TENTATIVE else 2
            for n, bar_set in enumerate(sets):
                bar_set.append(code.alpha if n == band else 0.0)
        series = QHorizontalStackedBarSeries()
        series.setBarWidth(0.7)
        for bar_set in sets:
            series.append(bar_set)
        chart.addSeries(series)
        labels = QBarCategoryAxis()
        # The figure sits in the label too: a bar of alpha 0 has no length to see.
        labels.append([f"{c.label}  ({c.alpha:.2f})" for c in shown])
        values = QValueAxis()
        # Whole tenths from the lowest alpha (or 0) up to 1, one tick per tenth.
        tenths = math.floor(min([0.0, *(c.alpha for c in shown)]) * 10)
        values.setRange(tenths / 10, 1.0)
        values.setTickCount(10 - tenths + 1)
        values.setLabelFormat("%.1f")
        values.setTitleText("Krippendorff's alpha of the code (present or absent)")
        chart.addAxis(labels, Qt.AlignmentFlag.AlignLeft)
        # On top: with many codes the chart scrolls, and the scale must stay in view.
        chart.addAxis(values, Qt.AlignmentFlag.AlignTop)
        series.attachAxis(labels)
        series.attachAxis(values)
        chart.setTitle(f"{fr.label}: how reliably each code is applied")
        self.chart_view.setMinimumHeight(160 + BAR_HEIGHT * max(1, len(shown)))
        caption = "Least reliable codes at the top."
        if undefined:
            caption += (
                f" {undefined} code{'s' if undefined != 1 else ''} without a figure "
                "(chosen by every coder every time, or by none) "
                f"{'are' if undefined != 1 else 'is'} left out."
            )
        if few:
            caption += (
                f" {few} code{'s' if few != 1 else ''} compared on fewer than "
                f"{MIN_UNITS_FOR_ALPHA} recommendations: too few to measure, left out."
            )
        self.chart_caption.setText(caption if shown else "No code has a figure yet. " + caption)

    def chart_categories(self) -> list[str]:
        """The code labels on the chart with their alpha, top first (what a person reads)."""
        axes = [a for a in self.chart.axes() if isinstance(a, QBarCategoryAxis)]
        return list(reversed(axes[0].categories())) if axes else []

    def _fill_pairs(self, fr: FieldReport) -> None:
        table = self.pairs_table
        pw = fr.pairwise
        if pw is None:
            table.setRowCount(0)
            table.setColumnCount(0)
            self.pairs_caption.setText("Two or more coders are needed to compare pairs.")
            return
        table.setColumnCount(len(pw.coders))
        table.setRowCount(len(pw.coders))
        table.setHorizontalHeaderLabels(list(pw.coders))
        table.setVerticalHeaderLabels(list(pw.coders))
        table.verticalHeader().setVisible(True)
        for i in range(len(pw.coders)):
            for j in range(len(pw.coders)):
                text = "" if i == j else _fmt(pw.values[i][j])
                if i != j and pw.measure == "alpha" and too_few_units(pw.shared[i][j]):
                    text = f"too few to measure ({pw.shared[i][j]})"
                tip = "" if i == j else f"{pw.shared[i][j]} recommendations coded by both"
                table.setItem(i, j, _item(text, number=True, tooltip=tip))
        header = table.horizontalHeader()
        for column in range(len(pw.coders)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        name = {
            "alpha": "Krippendorff's alpha (MASI)",
            "kappa": "Cohen's kappa" + (" (quadratic weights)" if fr.kind == "ordinal" else ""),
            "percent": "Percent agreement",
        }.get(pw.measure, pw.measure)
        self.pairs_caption.setText(
            f"{name} of each pair of coders, on the recommendations both coded "
            "(point at a figure to see how many)."
        )

    # ------------------------------------------------------------------ saving

    def save_as(self) -> None:
        if self.outcome is None:
            return
        location, chosen = QFileDialog.getSaveFileName(
            self, "Save the reliability report", "reliability.xlsx", SAVE_FILTERS
        )
        if not location:
            return
        path = Path(location)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_suffix(".csv" if "csv" in chosen else ".xlsx")
        self.save_to(path)

    def save_to(self, path: Path) -> bool:
        if self.outcome is None:
            self.message.say("There are no figures to save yet.", error=True)
            return False
        fmt = "csv" if path.suffix.lower() == ".csv" else "xlsx"
        try:
            write_report(self.outcome, fmt, path, project_path=self.project.path)
        except ProjectError as error:
            self.message.say(f"The report could not be saved: {error}", error=True)
            return False
        except OSError as error:
            self.message.say(
                f"The report could not be saved to {path}: {error.strerror or error}", error=True
            )
            return False
        self.message.say(f"Saved the report to {path}.")
        return True

    def done(self, result: int) -> None:
        if self.worker is not None:  # closing while measuring: stop, then let it unwind
            self.worker.cancel()
            self.worker.wait()
        super().done(result)
