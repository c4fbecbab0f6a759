"""The one table of response wordings: category and UN position agree everywhere."""

import pytest

from annotator import analysis, responses
from annotator.importers.responses import category_of


@pytest.mark.parametrize(
    ("wording", "category", "position", "stage"),
    [
        # China 2024 (A/HRC/56/6/Add.1)
        ("accepted and already implemented", "accepted-implemented", "supported", "already"),
        ("accepted and being implemented", "accepted-implemented", "supported", "being"),
        ("partially accepted", "partially accepted", None, None),
        ("noted", "noted", "noted", None),
        ("rejected", "rejected", "noted", None),
        # Slovenia's addenda and the OHCHR matrix
        ("supported", "accepted", "supported", None),
        ("Slovenia accepts the following recommendations", "accepted", "supported", None),
        ("Slovenia takes note of the following recommendations", "noted", "noted", None),
        ("Supported in part", "partially accepted", None, None),
        ("Not supported", "noted", "noted", None),
        ("did not enjoy the support of Slovenia", "noted", "noted", None),
        ("enjoy the support of Slovenia", "accepted", "supported", None),
        ("China does not accept", "rejected", "noted", None),
        (
            "accepted and considered already implemented or in the process of implementation",
            "accepted-implemented",
            "supported",
            None,
        ),
        ("will be examined by Slovenia", "other", None, None),
        ("Under consideration", "other", None, None),
    ],
)
def test_one_table_gives_category_and_position(wording, category, position, stage):
    reading = responses.read_wording(wording)
    assert (reading.category, reading.position, reading.stage) == (category, position, stage)
    assert responses.normalise_position(wording) == position
    assert responses.category(wording) == category


def test_blank_wording_is_no_response():
    assert responses.read_wording("  ") is None
    assert responses.normalise_position(None) is None
    assert analysis.response_category(None) == analysis.NO_RESPONSE


@pytest.mark.parametrize(
    "wording",
    ["Supported in part", "accepted in part", "Not supported", "rejected", "takes note",
     "accepted and being implemented", "Supported", "pending"],
)  # fmt: skip
def test_importer_analysis_and_position_read_a_wording_alike(wording):
    reading = responses.read_wording(wording)
    expected = {
        "accepted": "accepted",
        "accepted-implemented": "accepted",
        "partially accepted": "partially_accepted",
        "noted": "noted",
        "rejected": "rejected",
        "other": "no_response",
    }[reading.category]
    assert analysis.response_category(wording) == expected
    canonical = category_of(wording)
    if reading.category == "other":
        assert canonical is None
    else:
        assert responses.read_wording(canonical).category == reading.category
    # the one disagreement the issue names: partial acceptance has no UN position
    if reading.category == "partially accepted":
        assert reading.position is None
