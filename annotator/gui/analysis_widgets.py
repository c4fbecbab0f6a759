"""The Analysis dashboard's parts: a DataFrame as a read-only table, and a chart that
saves itself as PNG or SVG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator import analysis
from annotator.store.safe_write import check_target, written_whole

NO_PARENT = QModelIndex()
MAX_COLUMN = 420


class FrameModel(QAbstractTableModel):
    """A DataFrame shown read-only, shares as percentages."""

    def __init__(self, frame: pd.DataFrame | None = None, *, index: bool = True) -> None:
        super().__init__()
        self.set_frame(frame if frame is not None else pd.DataFrame(), index=index)

    def set_frame(self, frame: pd.DataFrame, *, index: bool = True) -> None:
        self.beginResetModel()
        self.frame = frame
        self.shown = analysis.readable(frame)
        self.with_index = index
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.shown.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        value = self.shown.iat[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and not isinstance(value, str):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.TextAlignmentRole and str(value).endswith("%"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.shown.columns[section])
        return str(self.shown.index[section]) if self.with_index else str(section + 1)

    def row_label(self, row: int) -> str:
        return str(self.frame.index[row])

    def column_label(self, column: int) -> str:
        return str(self.frame.columns[column])


def table_view(model: FrameModel, *, stretch_last: bool = False) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.horizontalHeader().setStretchLastSection(stretch_last)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    # Columns fit what they show each time the figures change (text columns capped).
    model.modelReset.connect(lambda: _fit_columns(view))
    return view


def _fit_columns(view: QTableView) -> None:
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count()):
        if header.sectionSize(column) > MAX_COLUMN:
            header.resizeSection(column, MAX_COLUMN)


class ChartPanel(QWidget):
    """A chart with buttons to save it as PNG or SVG."""

    def __init__(
        self, title: str, parent: QWidget | None = None, *, scrollable: bool = False
    ) -> None:
        super().__init__(parent)
        self.chart = QChart()
        self.chart.setTitle(title)
        self.chart.setMargins(QMargins(6, 6, 6, 6))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(260)
        png = QPushButton("Save as PNG…")
        svg = QPushButton("Save as SVG…")
        png.clicked.connect(lambda: self._ask("png"))
        svg.clicked.connect(lambda: self._ask("svg"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(png)
        buttons.addWidget(svg)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if scrollable:
            # A bar per theme: sixty themes need more height than any screen has.
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(self.view)
            layout.addWidget(scroll, 1)
        else:
            layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def reset(self) -> None:
        # A fresh chart each time: axes removed from a QChart leave their labels drawn.
        title = self.chart.title()
        self.chart = QChart()
        self.chart.setTitle(title)
        self.chart.setMargins(QMargins(6, 6, 6, 6))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        old = self.view.chart()
        self.view.setChart(self.chart)
        old.deleteLater()

    def _size(self) -> QSize:
        size = self.view.size()
        return QSize(max(size.width(), 720), max(size.height(), 420))

    def save_png(self, path: Path) -> None:
        size = self._size()
        image = QImage(size * 2, QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(2)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.render(painter, QRectF(0, 0, size.width(), size.height()))
        painter.end()
        # PySide6 types the format as bytes, but its binding takes a str.
        if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
            raise OSError(f"Could not write {path}.")

    def save_svg(self, path: Path) -> None:
        size = self._size()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle(self.chart.title())
        painter = QPainter(generator)
        self.view.render(painter, QRectF(0, 0, size.width(), size.height()))
        painter.end()
        if not path.exists():
            raise OSError(f"Could not write {path}.")

    def save(self, path: Path) -> None:
        """Write the chart by the rule for every written file (never over a project;
        a temporary name renamed when complete)."""
        out = check_target(path)
        with written_whole(out) as partial:
            if out.suffix.lower() == ".svg":
                self.save_svg(partial)
            else:
                self.save_png(partial)

    def _ask(self, kind: str) -> None:
        name = self.chart.title().split(":")[0].strip().lower().replace(" ", "-") or "chart"
        location, _ = QFileDialog.getSaveFileName(
            self, "Save the chart", f"{name}.{kind}", f"{kind.upper()} images (*.{kind})"
        )
        if location:
            path = Path(location)
            if not path.suffix:
                path = path.with_suffix(f".{kind}")
            try:
                self.save(path)
            except (OSError, ValueError) as error:  # ValueError: refused (OutputRefused)
                # The dashboard's status line (this module does not import the dashboard).
                status = getattr(self.window(), "status", None)
                if isinstance(status, QLabel):
                    status.setText(str(error))


def stacked(*widgets: QWidget) -> QWidget:
    """One page of widgets on top of each other; tables take the room left."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QTableView) else 0)
    return page


def rejection_chart(panel: ChartPanel, tab: analysis.CrossTab, colour: str) -> None:
    """The broad rejection rate of each theme as a horizontal bar, on ``panel``."""
    # A rate resting on one recommendation must not read like one resting on fifty:
    # every bar says how many it rests on, and the title what the whole rests on.
    panel.chart.setTitle(f"Rejection rate by theme: (rejected + noted) / all; {tab.basis}")
    rates = tab.rejection[analysis.RATE_LABELS[analysis.RATE_BROAD]]
    not_accepted = tab.not_accepted_counts()
    # Bottom to top in a horizontal bar chart: reverse, so the codebook reads downwards.
    labels = [
        f"{theme}  ({not_accepted[theme]} of {tab.counts.loc[theme, 'Total']})"
        for theme in rates.index
    ][::-1]
    values = [float(v) * 100 for v in rates.to_numpy()][::-1]
    bar = QBarSet("(rejected + noted) / all, %")
    bar.append(values)
    bar.setColor(QColor(colour))
    series = QHorizontalBarSeries()
    series.append(bar)
    panel.chart.addSeries(series)
    panel.chart.legend().setVisible(False)
    axis_y = QBarCategoryAxis()
    axis_y.append(labels)
    axis_x = QValueAxis()
    axis_x.setRange(0, 100)
    axis_x.setLabelFormat("%d %%")
    panel.chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    panel.chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_y)
    series.attachAxis(axis_x)
    panel.view.setMinimumHeight(max(260, 22 * len(labels) + 80))
