"""The app's words: one label per status and kind, one table of response wordings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from annotator import responses, vocabulary
from annotator.store import models

ROOT = Path(__file__).resolve().parent.parent


def test_every_status_has_one_label_and_the_store_allows_exactly_these():
    assert set(vocabulary.STATUS_LABELS) == {None, *vocabulary.STATUSES}
    assert models.STATUSES == vocabulary.STATUSES
    labels = [vocabulary.status_label(s) for s in vocabulary.STATUSES]
    assert len(set(labels)) == len(labels)  # no two statuses read alike
    assert vocabulary.status_label(None) == vocabulary.status_label("not_started")
    assert vocabulary.status_label("in_progress") == "in progress"
    assert vocabulary.status_label("odd") == "odd"


def test_every_kind_has_one_label():
    assert tuple(vocabulary.KIND_LABELS) == vocabulary.FIELD_KINDS
    assert len(set(vocabulary.KIND_LABELS.values())) == len(vocabulary.FIELD_KINDS)
    assert set(vocabulary.CHOICE_KINDS) < set(vocabulary.FIELD_KINDS)
    assert models.FIELD_KINDS == vocabulary.FIELD_KINDS
    assert vocabulary.kind_label("single") == "single choice"
    assert vocabulary.kind_label("odd") == "odd"


def _label_tables(path: Path) -> list[str]:
    """Names of dict literals in a module whose keys are statuses or field kinds."""
    words = {*vocabulary.STATUSES, *vocabulary.FIELD_KINDS} - {"done", "text"}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            keys = {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
            labels = all(isinstance(v, ast.Constant) for v in node.value.values)
            if labels and len(keys & words) >= 3:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_status_and_kind_labels_are_spelled_in_one_place():
    tables = [
        where
        for path in sorted((ROOT / "annotator").rglob("*.py"))
        if path.name != "vocabulary.py"
        for where in _label_tables(path)
    ]
    assert tables == []


def test_every_category_has_a_position_and_every_reading_follows_it():
    assert set(vocabulary.POSITION_OF) == set(vocabulary.CATEGORIES)
    assert set(vocabulary.POSITION_OF.values()) == {*vocabulary.POSITIONS, None}
    readings = [reading for _pattern, reading in vocabulary._TABLE]
    assert {r.category for r in readings} == set(vocabulary.CATEGORIES) - {vocabulary.OTHER}
    for reading in [*readings, vocabulary.read_wording("under consideration")]:
        assert reading is not None
        assert reading.position == vocabulary.POSITION_OF[reading.category]


@pytest.mark.parametrize(
    ("wording", "position"),
    [
        ("Accepted", "supported"),
        ("Supported; already implemented", "supported"),
        ("Supported in part", None),
        ("Noted", "noted"),
        ("Rejected", "noted"),
        ("Under consideration", None),
        (None, None),
    ],
)
def test_the_position_of_a_wording_comes_from_its_category(wording, position):
    assert vocabulary.normalise_position(wording) == position
    reading = vocabulary.read_wording(wording)
    assert (reading.position if reading else None) == position


def test_responses_is_the_same_table():
    assert responses.read_wording is vocabulary.read_wording
    assert responses.Reading is vocabulary.Reading
