"""The Analysis page of recommendations a state answered differently from one cycle to the next."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from annotator.gui.analysis_widgets import FrameModel, table_view
from annotator.services.similar import DEFAULT_THRESHOLD, ChangedReport, changed_between
from annotator.store.project import Project


class ChangedPage(QWidget):
    """For the two reviews chosen at the top of the Analysis window: each recommendation
    whose close match in the earlier review got another response, with both texts."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.reviews: tuple[int, int] | None = None
        self.report: ChangedReport | None = None
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.05, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(DEFAULT_THRESHOLD)
        self.threshold.setToolTip(
            "How alike two texts must be (0 to 1) to count as the same recommendation re-made"
        )
        self.label = QLabel("Choose a review, and another review of the same state.")
        self.label.setWordWrap(True)
        self.model = FrameModel(index=False)
        row = QHBoxLayout()
        row.addWidget(QLabel("Similarity threshold:"))
        row.addWidget(self.threshold)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.label)
        layout.addWidget(table_view(self.model, stretch_last=True), 1)
        self.threshold.valueChanged.connect(self.refresh)

    def show_reviews(self, review: int | None, other: int | None) -> None:
        self.reviews = (review, other) if review is not None and other is not None else None
        self.refresh()

    def refresh(self) -> None:
        if self.reviews is None:
            self.report = None
            self.model.set_frame(pd.DataFrame(), index=False)
            self.label.setText("Choose a review, and another review of the same state.")
            return
        r = self.report = changed_between(
            self.project, *self.reviews, threshold=round(self.threshold.value(), 2)
        )
        self.label.setText(
            f"Similarity threshold {r.threshold:g}: {r.compared} recommendations of {r.later} "
            f"have a close match in {r.earlier}; {len(r.pairs)} got another response."
        )
        then, now = f"Then ({r.earlier})", f"Now ({r.later})"
        self.model.set_frame(
            pd.DataFrame(
                [
                    {
                        "Change": p.sentence(),
                        "Similarity": f"{p.score:.2f}",
                        "Number": p.later.number or "",
                        then: p.earlier.text,
                        now: p.later.text,
                    }
                    for p in r.pairs
                ],
                columns=["Change", "Similarity", "Number", then, now],
            ),
            index=False,
        )
