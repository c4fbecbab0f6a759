"""The recommendations table: a Qt model over the database that fetches rows by page."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from annotator.services.queue import QueueFilter, QueueRow, queue_ids, queue_rows
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
# The column a header click sorts by, in SQL (services.queue.SORTS).
SORT_OF_COLUMN = {
    "number": "number",
    "review": "number",
    "recommending": "recommending",
    "response": "response",
    "status": "status",
    "text": "text",
}

Index = QModelIndex | QPersistentModelIndex


class RecommendationTableModel(QAbstractTableModel):
    """Holds the ordered ids the queue's filter keeps and a small cache of visible rows."""

    def __init__(
        self,
        project: Project,
        coder_id: int | None,
        parent=None,
        queue_filter: QueueFilter | None = None,
    ) -> None:
        super().__init__(parent)
        self._project = project
        self._coder_id = coder_id
        self.queue_filter = queue_filter or QueueFilter()
        self._ids: list[int] = []
        self._pages: OrderedDict[int, list[QueueRow | None]] = OrderedDict()
        self.refresh()

    def refresh(self) -> None:
        """Read the ids again (after a filter change, an import, another window's work)."""
        self.beginResetModel()
        self._ids = queue_ids(self._project, self.queue_filter, self._coder_id)
        self._pages.clear()
        self.endResetModel()

    def set_filter(self, queue_filter: QueueFilter) -> None:
        self.queue_filter = queue_filter
        self.refresh()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.queue_filter.sort = SORT_OF_COLUMN[COLUMNS[column][0]]
        self.queue_filter.descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()  # a reset, not a layout change: the ids are read anew in SQL

    def ids(self) -> list[int]:
        return self._ids

    def row_of(self, recommendation_id: int) -> int | None:
        # A scan of the id list (about a millisecond at 200,000) rather than an index
        # of positions rebuilt at every filter change, which cost more than its lookups.
        try:
            return self._ids.index(recommendation_id)
        except ValueError:
            return None

    def refresh_row(self, recommendation_id: int) -> None:
        """Fetch one row again (its status changed) without resetting the view."""
        row = self.row_of(recommendation_id)
        if row is None:
            return
        self._pages.pop(row // PAGE, None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

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
        found = queue_rows(self._project, ids, self._coder_id)
        page = [found.get(rid) for rid in ids]
        self._pages[page_number] = page
        while len(self._pages) > PAGES_KEPT:
            self._pages.popitem(last=False)
        return page
