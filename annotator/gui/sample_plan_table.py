"""The reliability sample plan as the Assign dialog shows it: how many recommendations
two coders must both code for each field and theme, and whether they have.

The figures come from ``annotator.services.sample_plan``; this module only words them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from annotator.sample_size import ALPHA_RELIABLE, ALPHA_TENTATIVE
from annotator.services.sample_plan import PlanRow, SamplePlan

PLAN_COLUMNS = (
    "Field / theme",
    "Share coded so far",
    "Needed for α ≥ .800",
    "For α ≥ .667",
    "Double-coded",
    "Enough?",
)


def fill_plan_table(table: QTableWidget, plan: SamplePlan) -> None:
    """One row per field (bold), then one per theme, with what each needs."""
    rows = []
    for field in plan.fields():
        rows.append((field, False))
        rows.extend((theme, True) for theme in plan.themes(field.field))
    table.setRowCount(len(rows))
    for r, (row, is_theme) in enumerate(rows):
        strict, tentative = row.needs(ALPHA_RELIABLE), row.needs(ALPHA_TENTATIVE)
        if is_theme:
            name = f"    {row.code_label}"
            share = "" if row.share is None else share_text(row.share)
        else:
            name = row.field_label
            rarest = row.rarest and row.share is not None and strict is not None
            share = f"rarest: {share_text(row.share)}" if rarest and row.share is not None else ""
        cells = [
            name,
            share,
            "" if strict is None else str(strict),
            "" if tentative is None else str(tentative),
            str(row.have),
            row_verdict(row),
        ]
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if c in (2, 3, 4):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if not is_theme:
                bold = item.font()
                bold.setBold(True)
                item.setFont(bold)
            item.setToolTip(row.reading(plan.recommendations))
            table.setItem(r, c, item)


def plan_words(plan: SamplePlan) -> str:
    """What the plan says, in a sentence or three above its table."""
    planned = [f for f in plan.fields() if f.needs() is not None]
    intro = (
        "For Krippendorff's alpha to reach .800 (or .667) at p = .05, two coders must "
        "both code enough recommendations, and the rarer a value or theme, the more "
        "(Krippendorff's rule, from the shares coded so far)."
    )
    if not planned:
        return intro + " Nothing is coded yet: code some recommendations first."
    most = max(planned, key=lambda f: f.needs() or 0)
    short = [f.field_label for f in planned if not f.enough()]
    verdict = (
        "Every field has enough double-coded recommendations."
        if not short
        else f"Not enough yet for {join_names(short)}."
    )
    return (
        f"{intro} {most.field_label} needs the most: {most.needs()} "
        f"(its rarest, {most.rarest}, at {share_text(most.share or 0)}). {verdict}"
    )


def share_text(share: float) -> str:
    return f"{share * 100:.1f} %" if 0 < share < 0.01 else f"{share * 100:.0f} %"


def row_verdict(row: PlanRow) -> str:
    if row.needs() is None:
        return "not seen yet" if row.share in (None, 0) else "nothing to tell apart"
    if row.enough(ALPHA_RELIABLE):
        return "enough"
    missing = (row.needs() or 0) - row.have
    if row.enough(ALPHA_TENTATIVE):
        return f"enough for .667; {missing} more for .800"
    return f"{missing} more"


def join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
