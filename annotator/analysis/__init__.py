"""The figures a report quotes: response breakdowns, cycle comparisons, cross-tabulations.

Pure pandas over plain DataFrames (``annotator.services.analysis_data`` builds them from
a project; tests and notebooks can build them by hand), so nothing here knows of the
database or of Qt. The frames:

``recommendations``
    one row a recommendation: ``id``, ``review_id``, ``review`` (a label such as
    "China 2018 (cycle 3)"), ``state`` (under review), ``cycle``, ``year``, ``number``,
    ``response`` (the state's wording as published, or None); optionally ``text``,
    ``position`` (the UN's normalised supported / noted) and ``category`` (see below;
    derived from ``response`` when absent).
``recommending``
    one row a recommending state of a recommendation: ``id``, ``state``,
    ``regional_group`` (joint recommendations have several rows).
``themes``
    one row a theme coded on a recommendation: ``id``, ``key``, ``theme`` (its label),
    ``group`` (the label of its parent code, or its own for a top-level code);
    optionally ``order`` (the codebook's order).

Responses are read into five categories (``CATEGORIES``): accepted (whatever the
wording adds: "already implemented", "being implemented"), partially accepted, noted,
rejected, and no response / unclear. Reports define the rejection rate in two ways and
both are given, labelled: rejected / all recommendations, and (rejected + noted) / all.

Modules: ``categories`` (the five categories and the rates), ``shares`` (percentages as
people read them), ``breakdown``, ``cycles``, ``themes``, ``statements``,
``recommending`` (by state and group), ``verification`` and ``progress``, one a figure.
"""

from annotator.analysis.breakdown import (
    Rate,
    ResponseBreakdown,
    breakdown_by_review,
    counted_breakdown,
    counted_breakdown_by_review,
    rejection_rates,
    response_breakdown,
)
from annotator.analysis.categories import (
    ACCEPTED,
    CATEGORIES,
    CATEGORY_LABELS,
    CATEGORY_VERBS,
    CODE_CATEGORIES,
    NO_RESPONSE,
    NO_THEME,
    NO_WORDING,
    NOTED,
    PARTIAL,
    POSITION_LABELS,
    RATE_BROAD,
    RATE_LABELS,
    RATE_SHORT,
    RATE_STRICT,
    REJECTED,
    UN_VOCABULARY,
    code_category,
    implementation_stage,
    response_category,
    with_categories,
)
from annotator.analysis.cycles import CycleComparison, compare_breakdowns, compare_reviews
from annotator.analysis.progress import STATUS_COLUMNS, CodingProgress, coding_progress
from annotator.analysis.recommending import (
    NO_GROUP,
    by_recommending_state,
    by_regional_group,
    regional_group_table,
)
from annotator.analysis.shares import percent, readable
from annotator.analysis.statements import StatementCheck, check_statement
from annotator.analysis.themes import CrossTab, recommendations_in_cell, theme_crosstab
from annotator.analysis.verification import (
    CONFIRMED,
    CORRECTED,
    DISAGREEMENT,
    NOT_VERIFIED,
    OUTCOMES,
    UNVERIFIABLE,
    ResponseVerification,
    verification_outcome,
    verify_responses,
)

__all__ = [
    "ACCEPTED",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CATEGORY_VERBS",
    "CODE_CATEGORIES",
    "CONFIRMED",
    "CORRECTED",
    "DISAGREEMENT",
    "NOTED",
    "NOT_VERIFIED",
    "NO_GROUP",
    "NO_RESPONSE",
    "NO_THEME",
    "NO_WORDING",
    "OUTCOMES",
    "PARTIAL",
    "POSITION_LABELS",
    "RATE_BROAD",
    "RATE_LABELS",
    "RATE_SHORT",
    "RATE_STRICT",
    "REJECTED",
    "STATUS_COLUMNS",
    "UNVERIFIABLE",
    "UN_VOCABULARY",
    "CodingProgress",
    "CrossTab",
    "CycleComparison",
    "Rate",
    "ResponseBreakdown",
    "ResponseVerification",
    "StatementCheck",
    "breakdown_by_review",
    "by_recommending_state",
    "by_regional_group",
    "check_statement",
    "code_category",
    "coding_progress",
    "compare_breakdowns",
    "compare_reviews",
    "counted_breakdown",
    "counted_breakdown_by_review",
    "implementation_stage",
    "percent",
    "readable",
    "recommendations_in_cell",
    "regional_group_table",
    "rejection_rates",
    "response_breakdown",
    "response_category",
    "theme_crosstab",
    "verification_outcome",
    "verify_responses",
    "with_categories",
]
