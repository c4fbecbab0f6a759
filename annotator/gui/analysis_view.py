"""The Analysis dashboard: the figures a report quotes, with charts to save as PNG or SVG.

The figures come from ``annotator.analysis`` over frames read (off the GUI thread) by
``annotator.services.analysis_data``; nothing here computes a statistic of its own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QValueAxis,
)
from PySide6.QtCore import (
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator import analysis
from annotator.gui.analysis_widgets import (
    ChartPanel,
    FrameModel,
    rejection_chart,
    stacked,
    table_view,
)
from annotator.gui.changed_page import ChangedPage
from annotator.gui.messages import ERROR_STYLE
from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.worker import Worker, run_in_background
from annotator.services import analysis_data
from annotator.services.sources import Source
from annotator.store.project import Project

ALL_REVIEWS = "All reviews"
# Colours of the five response categories, as the codebook colours its codes.
CATEGORY_COLOURS = {
    analysis.ACCEPTED: "#1a9850",
    analysis.PARTIAL: "#fee08b",
    analysis.NOTED: "#fdae61",
    analysis.REJECTED: "#d73027",
    analysis.NO_RESPONSE: "#bababa",
}
EARLIER_COLOUR = "#9ecae1"
LATER_COLOUR = "#08519c"


class LoadCancelled(Exception):
    pass


class AnalysisDialog(QDialog):
    """Response breakdown, rejection by theme, cycle comparison, theme × response (click
    a cell for its recommendations), a statement checker, and tables by state, by
    regional group, of verified responses and of coding progress."""

    def __init__(
        self, project: Project, coder_id: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Analysis")
        self.project = project
        self.coder_id = coder_id
        self.data: analysis_data.AnalysisData | None = None
        self.worker: Worker | None = None
        self.crosstab: analysis.CrossTab | None = None

        self.review_box = QComboBox()
        self.review_box.setMinimumContentsLength(28)
        self.compare_box = QComboBox()
        self.compare_box.setMinimumContentsLength(24)
        self.source_box = QComboBox()
        self.source_box.setMinimumContentsLength(22)
        self.status = QLabel("Reading the project…")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Review:"))
        top.addWidget(self.review_box, 2)
        top.addWidget(QLabel("Compare with:"))
        top.addWidget(self.compare_box, 2)
        top.addWidget(QLabel("Themes coded by:"))
        top.addWidget(self.source_box, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._responses_tab(), "Responses")
        self.tabs.addTab(self._themes_chart_tab(), "Rejection by theme")
        self.tabs.addTab(self._comparison_tab(), "Cycle comparison")
        self.changed_page = ChangedPage(project)
        self.tabs.addTab(self.changed_page, "Changed responses")
        self.tabs.addTab(self._crosstab_tab(), "Themes × response")
        self.tabs.addTab(self._statement_tab(), "Check a statement")
        self.tabs.setUsesScrollButtons(False)
        self.state_model = FrameModel()
        self.group_model = FrameModel()
        self.verify_model = FrameModel(index=False)
        self.progress_model = FrameModel(index=False)
        self.verify_counts = QLabel("")
        self.verify_counts.setWordWrap(True)
        self.progress_note = QLabel("")
        self.tabs.addTab(table_view(self.state_model), "By state")
        self.tabs.addTab(table_view(self.group_model), "By group")
        self.tabs.addTab(
            stacked(self.verify_counts, table_view(self.verify_model, stretch_last=True)),
            "Verification",
        )
        self.tabs.addTab(
            stacked(table_view(self.progress_model), self.progress_note), "Coding progress"
        )

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(1100, 760)
        fit_to_screen(self)

        self.review_box.currentIndexChanged.connect(self._review_changed)
        self.compare_box.currentIndexChanged.connect(self._show_comparison)
        self.source_box.currentIndexChanged.connect(self._source_changed)
        self._fill_sources()
        self.load()

    # -- pages -----------------------------------------------------------------------
    def _responses_tab(self) -> QWidget:
        self.breakdown_model = FrameModel()
        self.wording_model = FrameModel(index=False)
        self.rates_label = QLabel("")
        self.rates_label.setWordWrap(True)
        self.rates_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.breakdown_chart = ChartPanel("Responses")
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("By category"))
        breakdown = table_view(self.breakdown_model)
        breakdown.setMinimumHeight(190)
        column.addWidget(breakdown)
        column.addWidget(QLabel("As the state worded it"))
        column.addWidget(table_view(self.wording_model, stretch_last=True), 1)
        column.addWidget(self.rates_label)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.breakdown_chart)
        splitter.setSizes([520, 560])
        return splitter

    def _themes_chart_tab(self) -> QWidget:
        self.theme_chart = ChartPanel(
            "Rejection rate by theme: (rejected + noted) / all", scrollable=True
        )
        return self.theme_chart

    def _comparison_tab(self) -> QWidget:
        self.comparison_model = FrameModel()
        self.comparison_label = QLabel("")
        self.comparison_label.setWordWrap(True)
        self.comparison_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.comparison_chart = ChartPanel("Cycle comparison: share of recommendations")
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(table_view(self.comparison_model), 1)
        column.addWidget(self.comparison_label)
        # Above one another: the chart's seven groups of bars need the full width.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.comparison_chart)
        splitter.setSizes([270, 380])
        return splitter

    def _crosstab_tab(self) -> QWidget:
        self.level_box = QComboBox()
        self.level_box.addItem("Themes", "theme")
        self.level_box.addItem("Theme groups", "group")
        self.shares_box = QComboBox()
        self.shares_box.addItem("Counts", "counts")
        self.shares_box.addItem("Row shares", "shares")
        self.level_box.currentIndexChanged.connect(self._show_crosstab)
        self.shares_box.currentIndexChanged.connect(self._show_crosstab)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Rows:"))
        controls.addWidget(self.level_box)
        controls.addWidget(QLabel("Show:"))
        controls.addWidget(self.shares_box)
        self.crosstab_basis = QLabel("")
        self.crosstab_basis.setWordWrap(True)
        controls.addWidget(self.crosstab_basis, 1)
        self.crosstab_model = FrameModel()
        self.crosstab_view = table_view(self.crosstab_model)
        self.crosstab_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.crosstab_view.clicked.connect(self.show_cell)
        self.cell_label = QLabel("Click a cell to list its recommendations.")
        self.cell_label.setWordWrap(True)
        self.cell_model = FrameModel(index=False)
        cell_view = table_view(self.cell_model, stretch_last=True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.crosstab_view)
        splitter.addWidget(stacked(self.cell_label, cell_view))
        splitter.setSizes([420, 240])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(controls)
        layout.addWidget(splitter, 1)
        return page

    def _statement_tab(self) -> QWidget:
        self.quantifier_box = QComboBox()
        self.quantifier_box.addItem("No … recommendation concerns the theme", "none")
        self.quantifier_box.addItem("Every recommendation on the theme was …", "all")
        self.response_box = QComboBox()
        for key in analysis.CATEGORIES:
            self.response_box.addItem(analysis.CATEGORY_LABELS[key], key)
        self.theme_box = QComboBox()
        self.theme_box.setEditable(True)
        self.theme_box.setMinimumContentsLength(30)
        check = QPushButton("Check")
        check.clicked.connect(self.check_statement)
        form = QFormLayout()
        form.addRow("Statement:", self.quantifier_box)
        form.addRow("Response:", self.response_box)
        form.addRow("Theme:", self.theme_box)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(check)
        form.addRow("", row)
        self.claim_label = QLabel("")
        self.claim_label.setWordWrap(True)
        self.verdict_label = QLabel("")
        self.verdict_label.setWordWrap(True)
        self.counter_model = FrameModel(index=False)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.claim_label)
        layout.addWidget(self.verdict_label)
        layout.addWidget(QLabel("Recommendations that contradict it:"))
        layout.addWidget(table_view(self.counter_model, stretch_last=True), 1)
        return page

    # -- loading -----------------------------------------------------------------------
    def _fill_sources(self) -> None:
        from annotator.services.exporting import export_choices

        choices = export_choices(self.project, self.coder_id)
        self.source_box.blockSignals(True)
        if choices.sees_others:
            self.source_box.addItem("(the default)", None)
            self.source_box.addItem("Consensus", "consensus")
            for name in choices.coders:
                self.source_box.addItem(name, f"coder:{name}")
            self.source_box.addItem("Any coder", "all-coders")
        else:  # coders work blind: their analyses count their own codes
            self.source_box.addItem(f"Your codes ({choices.coder_name})", None)
        self.source_box.blockSignals(False)

    def load(self) -> None:
        """Read the project off the GUI thread; the pages fill when it is read."""
        project, coder_id = self.project, self.coder_id
        wanted = self.source_box.currentData()

        def work(progress):
            progress("Reading the project…", 0, 1)
            return analysis_data.load_for(project, wanted, by_coder_id=coder_id)

        self.status.setStyleSheet("")
        self.status.setText("Reading the project…")
        self.worker = run_in_background(
            work,
            on_result=self._loaded,
            on_error=self._failed,
            cancelled=LoadCancelled,
            parent=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(f"The figures could not be read: {error}")

    def _loaded(self, data: analysis_data.AnalysisData) -> None:
        self.data = data
        current = self.review_box.currentData()
        self.review_box.blockSignals(True)
        self.review_box.clear()
        self.review_box.addItem(ALL_REVIEWS, None)
        for review_id, label in zip(data.reviews["review_id"], data.reviews["review"], strict=True):
            self.review_box.addItem(str(label), int(review_id))
        found = self.review_box.findData(current) if current is not None else -1
        if found < 0 and len(data.reviews) == 1:
            found = 1
        self.review_box.setCurrentIndex(max(found, 0))
        self.review_box.blockSignals(False)
        theme = self.theme_box.currentText()
        self.theme_box.clear()
        self.theme_box.addItems(list(data.theme_labels))
        if theme:
            self.theme_box.setCurrentText(theme)
        total = len(data.recommendations)
        self.status.setText(
            f"{total} recommendations in {len(data.reviews)} review(s); themes as coded by "
            f"{_source_words(data.source)}."
        )
        self._review_changed()

    def _source_changed(self) -> None:
        if self.worker is not None and self.worker.is_running():
            self.worker.wait()
        self.load()

    def is_ready(self) -> bool:
        return self.data is not None and not (self.worker and self.worker.is_running())

    # -- showing ---------------------------------------------------------------------
    def selected(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The recommendations, their themes and recommending states for the review shown."""
        assert self.data is not None
        recs, themes, recommending = (
            self.data.recommendations,
            self.data.themes,
            self.data.recommending,
        )
        review = self.review_box.currentData()
        if review is not None:
            recs = recs[recs["review_id"] == review]
            themes = themes[themes["id"].isin(recs["id"])]
            recommending = recommending[recommending["id"].isin(recs["id"])]
        return recs, themes, recommending

    def _review_changed(self) -> None:
        if self.data is None:
            return
        recs, themes, recommending = self.selected()
        review = self.review_box.currentData()
        b = analysis.response_breakdown(recs, review)
        self.breakdown_model.set_frame(b.categories.set_index("Response"))
        self.wording_model.set_frame(b.wordings, index=False)
        lines = [str(rate) for rate in b.rates]
        if review is not None:
            lines.append(b.sentence())
        lines.append(f"These figures rest on the published responses: {b.basis}.")
        self.rates_label.setText("\n".join(lines))
        self._breakdown_chart(b)
        self.crosstab = None
        self._show_crosstab()
        self._theme_chart(recs, themes)
        self._fill_compare(review)
        self.state_model.set_frame(analysis.by_recommending_state(recs, recommending))
        self.group_model.set_frame(analysis.by_regional_group(recs, recommending))
        if self.data.verified is not None:
            v = analysis.verify_responses(recs, self.data.verified)
            self.verify_counts.setText(
                "Coders' verified responses against the published ones: "
                + "; ".join(f"{k} {n}" for k, n in v.counts.items())
                + ". Listed: the corrected ones and those the coders disagree on."
            )
            self.verify_model.set_frame(v.review.drop(columns=["id"]), index=False)
        p = analysis.coding_progress(
            self.data.statuses,
            len(recs),
            coders=self.data.coders,
            assignments=self.data.assignments,
            ids=recs["id"],
        )
        self.progress_model.set_frame(p.by_coder, index=False)
        self.progress_note.setText(
            f"Done by at least one coder: {p.done_by_any} of {p.total}; "
            f"by two coders or more: {p.done_by_two}."
        )

    def _breakdown_chart(self, b: analysis.ResponseBreakdown) -> None:
        panel = self.breakdown_chart
        panel.reset()
        panel.chart.setTitle(f"Responses: {b.label}")
        series = QBarSeries()
        for key in analysis.CATEGORIES:
            bar = QBarSet(analysis.CATEGORY_LABELS[key])
            bar.append(float(b.count(key)))
            bar.setColor(QColor(CATEGORY_COLOURS[key]))
            series.append(bar)
        series.setLabelsVisible(True)
        panel.chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append([b.label if len(b.label) < 40 else "Recommendations"])
        axis_y = QValueAxis()
        axis_y.setRange(0, max([b.count(k) for k in analysis.CATEGORIES] + [1]) * 1.15)
        axis_y.applyNiceNumbers()
        axis_y.setLabelFormat("%d")
        axis_y.setTitleText("Recommendations")
        panel.chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        panel.chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)

    def _theme_chart(self, recs: pd.DataFrame, themes: pd.DataFrame) -> None:
        panel = self.theme_chart
        panel.reset()
        if themes.empty:
            panel.chart.setTitle("Rejection rate by theme: no themes are coded yet")
            return
        rejection_chart(
            panel,
            analysis.theme_crosstab(recs, themes, include_uncoded=False),
            CATEGORY_COLOURS[analysis.REJECTED],
        )

    def _fill_compare(self, review: int | None) -> None:
        assert self.data is not None
        self.compare_box.blockSignals(True)
        self.compare_box.clear()
        reviews = self.data.reviews
        if review is not None:
            state = reviews.loc[reviews["review_id"] == review, "state"].iloc[0]
            others = reviews[(reviews["state"] == state) & (reviews["review_id"] != review)]
            for other, label in zip(others["review_id"], others["review"], strict=True):
                self.compare_box.addItem(str(label), int(other))
        if not self.compare_box.count():
            self.compare_box.addItem("(no other review of this state)", None)
        self.compare_box.blockSignals(False)
        self._show_comparison()

    def _show_comparison(self) -> None:
        panel = self.comparison_chart
        panel.reset()
        other = self.compare_box.currentData()
        review = self.review_box.currentData()
        self.changed_page.show_reviews(review, other)
        if self.data is None or other is None or review is None:
            self.comparison_model.set_frame(pd.DataFrame())
            self.comparison_label.setText(
                "Choose a review, and another review of the same state to compare it with."
            )
            return
        c = analysis.compare_reviews(self.data.recommendations, review, other)
        self.comparison_model.set_frame(c.table.set_index("Measure"))
        self.comparison_label.setText(
            "\n".join(
                (
                    c.not_accepted_sentence(),
                    c.sentence(analysis.RATE_STRICT),
                    c.sentence(analysis.RATE_BROAD),
                )
            )
        )
        panel.chart.setTitle(f"{c.earlier.label} and {c.later.label}: share of recommendations")
        series = QBarSeries()
        for breakdown, colour in ((c.earlier, EARLIER_COLOUR), (c.later, LATER_COLOUR)):
            bar = QBarSet(breakdown.when)
            bar.append([breakdown.share(k) * 100 for k in analysis.CATEGORIES])
            bar.append([r.value * 100 for r in breakdown.rates])
            bar.setColor(QColor(colour))
            series.append(bar)
        panel.chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        # Short names: the axis cuts longer ones; the table above spells them out.
        axis_x.append(
            [
                "Accepted",
                "Partially",
                "Noted",
                "Rejected",
                "No response",
                "Rejected / all",
                "Rej. + noted / all",
            ]
        )
        axis_y = QValueAxis()
        axis_y.setRange(0, 100)
        axis_y.setLabelFormat("%d %%")
        panel.chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        panel.chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)

    def _show_crosstab(self) -> None:
        if self.data is None:
            return
        recs, themes, _ = self.selected()
        self.crosstab = analysis.theme_crosstab(recs, themes, level=self.level_box.currentData())
        if self.shares_box.currentData() == "shares":
            self.crosstab_model.set_frame(self.crosstab.shares_with_counts())
            whole = "each theme's recommendations"
        else:
            self.crosstab_model.set_frame(self.crosstab.counts)
            whole = "recommendations"
        self.crosstab_view.resizeColumnsToContents()
        self.crosstab_basis.setText(
            f"Counted in {whole}, {self.crosstab.basis}; a recommendation with several "
            "themes counts under each."
        )
        self.cell_model.set_frame(pd.DataFrame(), index=False)
        self.cell_label.setText("Click a cell to list its recommendations.")

    def show_cell(self, index: QModelIndex) -> None:
        """List the recommendations behind a cell of the theme × response table."""
        if self.crosstab is None or self.data is None or not index.isValid():
            return
        theme = self.crosstab_model.row_label(index.row())
        column = self.crosstab_model.column_label(index.column())
        category = None if column == "Total" else column
        recs, _, _ = self.selected()
        cell = analysis.recommendations_in_cell(recs, self.crosstab, theme, category)
        self.cell_label.setText(
            f"{len(cell)} recommendation(s) on {theme}"
            + (f", {column.lower()}" if category else "")
            + ":"
        )
        self.cell_model.set_frame(_listing(cell), index=False)

    def check_statement(self) -> None:
        if self.data is None:
            return
        recs, themes, _ = self.selected()
        try:
            result = analysis.check_statement(
                recs,
                themes,
                self.theme_box.currentText(),
                self.response_box.currentData(),
                quantifier=self.quantifier_box.currentData(),
                known_themes=self.data.theme_labels,
            )
        except ValueError as error:
            self.claim_label.setText("")
            self.verdict_label.setStyleSheet(ERROR_STYLE)
            self.verdict_label.setText(str(error))
            self.counter_model.set_frame(pd.DataFrame(), index=False)
            return
        self.claim_label.setText(f"“{result.claim}”")
        self.verdict_label.setStyleSheet("" if result.holds else ERROR_STYLE)
        self.verdict_label.setText(result.verdict)
        self.counter_model.set_frame(_listing(result.counter_examples), index=False)

    # -- charts for others -------------------------------------------------------------
    def charts(self) -> dict[str, ChartPanel]:
        return {
            "responses": self.breakdown_chart,
            "themes": self.theme_chart,
            "comparison": self.comparison_chart,
        }

    def export_chart(self, name: str, path: Path) -> None:
        """Save one chart ("responses", "themes", "comparison") as PNG or SVG by suffix."""
        self.charts()[name].save(Path(path))

    def reject(self) -> None:
        if self.worker is not None and self.worker.is_running():
            self.worker.wait()
        super().reject()


def _listing(frame: pd.DataFrame) -> pd.DataFrame:
    columns = {
        "review": "Review",
        "number": "Number",
        "response": "Response as published",
        "text": "Recommendation",
    }
    present = [c for c in columns if c in frame.columns]
    return frame[present].rename(columns=columns).astype(str)


def _source_words(source: Source) -> str:
    if source.kind == "all-coders":
        return "any coder (a theme counts when at least one coder coded it)"
    return source.label
