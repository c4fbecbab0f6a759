"""The project's reviews: their session (dates from the UPR calendar) and report symbols.

A coordinator sees every review and sets what an import could not know: the Working
Group session (its year and month follow from the calendar), the report's symbol and
the addendum's. The same as `annotator review list` and `annotator review set`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator import upr_calendar
from annotator.gui.messages import ERROR_STYLE
from annotator.gui.screen_fit import fit_to_screen
from annotator.services import reviews
from annotator.store.errors import ProjectError
from annotator.store.project import Project

COLUMNS = ("Review", "Session", "Dates", "Year", "Report", "Addendum", "Recommendations")
ID_ROLE = Qt.ItemDataRole.UserRole


class ReviewsDialog(QDialog):
    changed = Signal()  # after a review's details were saved

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("Reviews")
        self.resize(900, 520)
        fit_to_screen(self)
        self.infos: list[reviews.ReviewInfo] = []

        intro = QLabel(
            "Each review's Working Group session gives its dates, year and month from the "
            "UPR calendar. The report and addendum symbols name the documents its "
            "recommendations and the state's responses come from."
        )
        intro.setWordWrap(True)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)

        self.edit_box = QGroupBox("The selected review")
        form = QFormLayout(self.edit_box)
        self.session_edit = QLineEdit()
        self.session_edit.setPlaceholderText(f"1 to {upr_calendar.LAST_KNOWN}")
        self.session_edit.textChanged.connect(self._session_typed)
        self.session_dates = QLabel("")
        self.session_dates.setStyleSheet("color: gray;")
        session_row = QHBoxLayout()
        session_row.addWidget(self.session_edit, 1)
        session_row.addWidget(self.session_dates, 3)
        self.year_edit = QLineEdit()
        self.year_edit.setPlaceholderText("only for a session the calendar does not hold")
        self.report_edit = QLineEdit()
        self.report_edit.setPlaceholderText("A/HRC/43/15")
        self.addendum_edit = QLineEdit()
        self.addendum_edit.setPlaceholderText("A/HRC/43/15/Add.1")
        form.addRow("Working Group session:", session_row)
        form.addRow("Year:", self.year_edit)
        form.addRow("Report symbol:", self.report_edit)
        form.addRow("Addendum symbol:", self.addendum_edit)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.message, 1)
        actions.addWidget(self.save_button)
        form.addRow(actions)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.edit_box)
        layout.addWidget(buttons)
        self.reload()

    # -- reading ------------------------------------------------------------------------
    def reload(self, keep: int | None = None) -> None:
        self.infos = reviews.project_reviews(self.project)
        self.table.setRowCount(len(self.infos))
        for row, info in enumerate(self.infos):
            known = upr_calendar.SESSIONS.get(info.session) if info.session else None
            dates = str(known).split(", ", 1)[1] if known else info.dates
            values = (
                f"{info.state}, cycle {info.cycle}",
                str(info.session or ""),
                dates,
                str(info.year or "unknown"),
                info.report_symbol or "",
                info.responses_symbol or "",
                str(info.recommendations),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(ID_ROLE, info.id)
                if column in (1, 3, 6):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
        self.edit_box.setEnabled(bool(self.infos))
        if not self.infos:
            self.message.setText("The project has no reviews yet: import recommendations first.")
            return
        wanted = next((i for i, info in enumerate(self.infos) if info.id == keep), 0)
        self.table.selectRow(wanted)

    def current(self) -> reviews.ReviewInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.infos[rows[0].row()] if rows else None

    def _selected(self) -> None:
        info = self.current()
        if info is None:
            return
        self.session_edit.setText(str(info.session or ""))
        self.year_edit.setText(str(info.year or ""))
        self.report_edit.setText(info.report_symbol or "")
        self.addendum_edit.setText(info.responses_symbol or "")
        self.message.setText("")
        self._session_typed(self.session_edit.text())

    def _session_typed(self, text: str) -> None:
        text = text.strip()
        known = upr_calendar.SESSIONS.get(int(text)) if text.isdigit() else None
        if known is not None:
            self.session_dates.setText(f"{str(known).split(', ', 1)[1]} (cycle {known.cycle})")
        elif text:
            self.session_dates.setText("not in the UPR calendar: give the year")
        else:
            self.session_dates.setText("")
        self.year_edit.setEnabled(known is None)

    # -- writing ------------------------------------------------------------------------
    def save(self) -> bool:
        info = self.current()
        if info is None:
            return False
        try:
            session_number = _number(self.session_edit.text(), "session")
            year = _number(self.year_edit.text(), "year") if self.year_edit.isEnabled() else None
            saved, warnings = reviews.set_review(
                self.project,
                f"{info.state}:{info.cycle}",
                session_number=session_number,
                year=year,
                report_symbol=self.report_edit.text().strip() or None,
                responses_symbol=self.addendum_edit.text().strip() or None,
            )
        except ValueError as error:
            self._error(str(error))
            return False
        except ProjectError as error:
            self._error(f"The review could not be saved: {error}")
            return False
        self.reload(keep=saved.id)
        text = f"Saved: {saved.state}, cycle {saved.cycle}, {saved.dates}."
        if warnings:
            text += " " + " ".join(warnings)
        self.message.setStyleSheet("" if not warnings else ERROR_STYLE)
        self.message.setText(text)
        self.changed.emit()
        return True

    def _error(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)


def _number(text: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"'{text}' is not a {what} number")
    return int(text)
