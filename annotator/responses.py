"""Responses to recommendations: kept importable; the table lives in ``annotator.vocabulary``.

The importers, the analyses and the response history read wordings through this name.
"""

from annotator.vocabulary import (
    ACCEPTED,
    ACCEPTED_IMPLEMENTED,
    CATEGORIES,
    NOTED,
    NOTED_CATEGORY,
    OTHER,
    PARTIALLY_ACCEPTED,
    POSITION_OF,
    REJECTED,
    SUPPORTED,
    Reading,
    Stage,
    category,
    clean_wording,
    normalise_position,
    read_wording,
)

__all__ = [
    "ACCEPTED",
    "ACCEPTED_IMPLEMENTED",
    "CATEGORIES",
    "NOTED",
    "NOTED_CATEGORY",
    "OTHER",
    "PARTIALLY_ACCEPTED",
    "POSITION_OF",
    "REJECTED",
    "SUPPORTED",
    "Reading",
    "Stage",
    "category",
    "clean_wording",
    "normalise_position",
    "read_wording",
]
