"""The recommendations table: a Qt model over the database that fetches rows by page."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from annotator.services.queue import QueueRow, fetch_rows, ordered_ids
from annotator.store.project import Project

PAGE = 200
PAGES_KEPT = 64

COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "No."),
    ("review", "Review"),
    ("recommending", "Recommending state(s)"),
    ("response", "Response"),
    ("status", "My status"),
    ("text", "Recommendation"),
)

ID_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


class RecommendationTableModel(QAbstractTableModel):
    """Holds the ordered ids of all recommendations and a small cache of visible rows."""

    def __init__(self, project: Project, coder_id: int | None, parent=None) -> None:
        super().__init__(parent)
        self._project = project
        self._coder_id = coder_id
        self._ids: list[int] = []
        self._pages: OrderedDict[int, list[QueueRow | None]] = OrderedDict()
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        with self._project.session() as session:
            self._ids = ordered_ids(session)
        self._pages.clear()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section][1]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._ids):
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.row(index.row())
        if row is None:
            return None
        key = COLUMNS[index.column()][0]
        value = getattr(row, key)
        if role == Qt.ItemDataRole.DisplayRole and key == "text":
            return " ".join(value.split())
        return value

    def row(self, number: int) -> QueueRow | None:
        """The row shown at ``number``, fetched with its page if not cached."""
        page_number = number // PAGE
        page = self._pages.get(page_number)
        if page is None:
            page = self._fetch_page(page_number)
        else:
            self._pages.move_to_end(page_number)
        return page[number % PAGE]

    def recommendation_id(self, number: int) -> int:
        return self._ids[number]

    def _fetch_page(self, page_number: int) -> list[QueueRow | None]:
        ids = self._ids[page_number * PAGE : (page_number + 1) * PAGE]
        with self._project.session() as session:
            found = fetch_rows(session, ids, self._coder_id)
        page = [found.get(rid) for rid in ids]
        self._pages[page_number] = page
        while len(self._pages) > PAGES_KEPT:
            self._pages.popitem(last=False)
        return page
