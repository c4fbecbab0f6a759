"""Which column of a table holds what: a preview of the first rows and one choice per field.

The mapping chosen is remembered for the table's header layout, so the next file with
the same columns comes up mapped.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.screen_fit import fit_to_screen
from annotator.gui.settings import AppSettings
from annotator.importers import generic_table
from annotator.importers.files import SourceFileError

TARGET_LABELS = {
    "number": "Number (28.1)",
    "text": "Recommendation text",
    "recommending_state": "Recommending state(s)",
    "response": "Response",
    "response_explanation": "Explanation of the response",
    "state_under_review": "State under review",
    "cycle": "Cycle",
    "session": "Session",
    "report_symbol": "Report symbol",
}
NONE = "(not in this table)"


class MappingDialog(QDialog):
    def __init__(self, path: Path, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Columns of {path.name}")
        self.path = path
        self.settings = settings
        try:
            self.headers = generic_table.headers(path)
            rows = generic_table.preview_rows(path, n=8)
        except SourceFileError as error:
            self.headers, rows = [], []
            QMessageBox.warning(parent, "The table could not be read", str(error))
        self.signature = generic_table.layout_signature(self.headers)

        table = QTableWidget(len(rows), len(self.headers))
        table.setHorizontalHeaderLabels(self.headers)
        for r, row in enumerate(rows):
            for c, value in enumerate(row[: len(self.headers)]):
                item = QTableWidgetItem(" ".join(value.split())[:200])
                item.setToolTip(value[:1000])
                table.setItem(r, c, item)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setDefaultSectionSize(160)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

        remembered = self._remembered()
        suggested = remembered or generic_table.guess_mapping(self.headers)
        self.boxes: dict[str, QComboBox] = {}
        form = QFormLayout()
        for target in generic_table.TARGETS:
            box = QComboBox()
            box.addItem(NONE, None)
            for header in self.headers:
                box.addItem(header, header)
            if suggested.get(target) in self.headers:
                box.setCurrentIndex(self.headers.index(suggested[target]) + 1)
            self.boxes[target] = box
            form.addRow(TARGET_LABELS.get(target, target) + ":", box)

        note = QLabel(
            ("Remembered from the last table with these columns. " if remembered else "")
            + "Columns not chosen here are kept with each recommendation as source tags."
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"The first rows of {path.name}:"))
        layout.addWidget(table, 1)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(820, 640)
        fit_to_screen(self)

    def mapping(self) -> dict[str, str]:
        return {t: box.currentData() for t, box in self.boxes.items() if box.currentData()}

    def _remembered(self) -> dict[str, str]:
        text = self.settings.value(f"mappings/{self.signature}")
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _accept(self) -> None:
        chosen = self.mapping()
        if "text" not in chosen:
            QMessageBox.warning(
                self,
                "Which column holds the text?",
                "Choose the column that holds the recommendation text.",
            )
            return
        columns = list(chosen.values())
        if len(set(columns)) != len(columns):
            QMessageBox.warning(
                self, "A column chosen twice", "Each column can hold only one of these fields."
            )
            return
        self.settings.set_value(f"mappings/{self.signature}", json.dumps(chosen))
        self.accept()
