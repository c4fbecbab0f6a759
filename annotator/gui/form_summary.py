"""What the current recommendation is coded as, a line per field, kept in view.

It sits outside the scrolling form (the window pins it below), so a coder sees every
choice while the form shows only part of itself: the themes ticked far down the tree,
the position, the first words of a note.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from annotator.gui.field_widgets import QUIET_GREY
from annotator.services.coding import FieldSpec, FieldValue, FormSpec

MAX_CODES_SHOWN = 6  # past this, "and N more": the summary must stay a few lines
TEXT_CHARS_SHOWN = 60


def summary_line(field: FieldSpec, value: FieldValue) -> str:
    """One field's value in a few words (plain text)."""
    if field.is_choice:
        labels = [c.label for c in field.codes if c.id in value.codes]
        if len(labels) > MAX_CODES_SHOWN:
            more = len(labels) - MAX_CODES_SHOWN
            labels = [*labels[:MAX_CODES_SHOWN], f"and {more} more"]
        return "; ".join(labels)
    if field.kind == "boolean":
        return "yes" if value.text == "true" else "no"
    text = " ".join((value.text or "").split())
    return text if len(text) <= TEXT_CHARS_SHOWN else text[: TEXT_CHARS_SHOWN - 1] + "…"


class FormSummary(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formSummary")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(self.label.textFormat().RichText)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label)
        self.lines: dict[str, str] = {}

    def show_values(self, spec: FormSpec, values: dict[int, FieldValue]) -> None:
        self.lines = {
            f.label: summary_line(f, values.get(f.stored_id, FieldValue())) for f in spec.fields
        }
        rows = []
        for field in spec.fields:
            text = self.lines[field.label]
            if text:
                shown = escape(text)
            elif field.required:
                shown = "<span style='color:#d9534f'>not coded (required)</span>"
            else:
                shown = f"<span style='color:{QUIET_GREY}'>–</span>"
            rows.append(f"<b>{escape(field.label)}</b>: {shown}")
        self.label.setText("<br>".join(rows))
