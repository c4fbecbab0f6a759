"""The Summary's themes × response table, counted by the database (GROUP BY), so an
export holds no row per recommendation and theme for it.

The same table as ``analysis.theme_crosstab`` over the themes frame: a recommendation
with several themes counts once under each (for every coder together, once however many
coders chose the theme); the recommendations with no theme last; themes in codebook
order, only those coded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from annotator import analysis
from annotator.services.coding import FieldSpec
from annotator.services.sources import Source
from annotator.store.models import Annotation, Consensus, Recommendation


def _chosen(field: FieldSpec, source: Source) -> tuple[Any, Any, list[Any]]:
    """(recommendation column, code column, conditions) of the source's theme codes."""
    table: Any = Consensus if source.kind == "consensus" else Annotation
    conditions = [table.field_id == field.stored_id, table.code_id.is_not(None)]
    if source.kind == "coder":
        conditions.append(Annotation.coder_id == source.coder_id)
    return table.recommendation_id, table.code_id, conditions


def theme_crosstab(
    session: Session,
    field: FieldSpec,
    source: Source,
    review_ids: Sequence[int] | None = None,
) -> analysis.CrossTab | None:
    """The counts, shares and rejection rates by theme (what the Summary shows; the
    table's members and coded count are left empty); None when no theme is coded."""
    recommendation, code, conditions = _chosen(field, source)
    chosen = (
        select(code, Recommendation.response, func.count(distinct(recommendation)))
        .join(Recommendation, Recommendation.id == recommendation)
        .where(*conditions)
        .group_by(code, Recommendation.response)
    )
    # NOT IN a list the database builds once: a correlated NOT EXISTS lets SQLite scan
    # the (field, code) index once per recommendation (minutes at 200,000).
    themed = select(recommendation).where(*conditions)
    unthemed = (
        select(Recommendation.response, func.count())
        .where(Recommendation.id.not_in(themed))
        .group_by(Recommendation.response)
    )
    if review_ids is not None:
        chosen = chosen.where(Recommendation.review_id.in_(list(review_ids)))
        unthemed = unthemed.where(Recommendation.review_id.in_(list(review_ids)))
    place = {c.stored_id: (n, c.label) for n, c in enumerate(field.codes)}
    cells: dict[str, dict[str, int]] = {}
    order: dict[str, float] = {}
    for code_id, response, n in session.execute(chosen):
        if code_id not in place:
            continue
        rank, theme = place[code_id]
        order[theme] = min(order.get(theme, math.inf), rank)
        row = cells.setdefault(theme, {})
        category = analysis.response_category(response)
        row[category] = row.get(category, 0) + n
    if not cells:
        return None
    for response, n in session.execute(unthemed):
        row = cells.setdefault(analysis.NO_THEME, {})
        category = analysis.response_category(response)
        row[category] = row.get(category, 0) + n
        order[analysis.NO_THEME] = math.inf
    labels = [analysis.CATEGORY_LABELS[c] for c in analysis.CATEGORIES]
    # By codebook order (ties by name, as a sorted group-by gives them).
    themes = sorted(cells, key=lambda t: (order[t], t))
    counts = pd.DataFrame(
        [[cells[t].get(c, 0) for c in analysis.CATEGORIES] for t in themes],
        index=pd.Index(themes, name="Theme"),
        columns=labels,
        dtype="int64",
    )
    counts["Total"] = counts.sum(axis=1)
    shares = counts[labels].div(counts["Total"].where(counts["Total"] > 0), axis=0)
    rejected = counts[analysis.CATEGORY_LABELS[analysis.REJECTED]]
    noted = counts[analysis.CATEGORY_LABELS[analysis.NOTED]]
    rejection = pd.DataFrame(
        {
            analysis.RATE_LABELS[analysis.RATE_STRICT]: rejected / counts["Total"],
            analysis.RATE_LABELS[analysis.RATE_BROAD]: (rejected + noted) / counts["Total"],
        }
    )
    members = pd.DataFrame(columns=["id", "theme", "category"])
    return analysis.CrossTab(counts.astype("int64"), shares, rejection, members, 0, 0)
