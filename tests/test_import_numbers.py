"""Recommendation numbers and ranges as states write them in their addenda."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.importers.numbers import MAX_RANGE, parse_number, parse_number_list


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28.1, 28.3–28.7 and 28.9", ["28.1", "28.3", "28.4", "28.5", "28.6", "28.7", "28.9"]),
        ("28.10-28.12", ["28.10", "28.11", "28.12"]),
        ("150.1 to 150.4", ["150.1", "150.2", "150.3", "150.4"]),
        ("paragraphs 28.1, 28.2", ["28.1", "28.2"]),
        ("28.3 – 28.5", ["28.3", "28.4", "28.5"]),
        ("28.3—28.4", ["28.3", "28.4"]),
        ("28.1; 28.2", ["28.1", "28.2"]),
        ("28.1, 28.2, and 28.9.", ["28.1", "28.2", "28.9"]),
        ("Paras. 28.1 & 28.2", ["28.1", "28.2"]),
        ("28.9 28.10", ["28.9", "28.10"]),
        ("28.5–28.5", ["28.5"]),
        ("28.1\u00a0–\u00a028.2", ["28.1", "28.2"]),  # no-break spaces from Word
        ("", []),
    ],
)
def test_lists_and_ranges(text, expected):
    assert parse_number_list(text) == expected


def test_numbers_stay_text():
    numbers = parse_number_list("28.1, 28.10, 28.100")
    assert numbers == ["28.1", "28.10", "28.100"]
    assert len(set(numbers)) == 3


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("28.9–29.2", "28.9–29.2"),  # across paragraphs
        ("28.1, 28.9 - 29.2", "28.9 - 29.2"),
        ("28.7–28.3", "28.7–28.3"),  # backwards
        ("28.3–7", "28.3–7"),  # abbreviated end
        ("28.1–", "28.1"),
        ("– 28.1", "–"),
        ("28.1, 28,2", "28"),  # comma typed for the point
        ("28.1, as explained", "as"),
        ("28.1.2", "28.1.2"),
        ("028.1", "028.1"),
        ("1.1–1.5000", "1.1–1.5000"),
    ],
)
def test_malformed_lists_name_the_culprit(text, named):
    with pytest.raises(ValueError) as caught:
        parse_number_list(text)
    assert named in str(caught.value)


def test_crossing_range_message_is_plain():
    with pytest.raises(ValueError, match="within one paragraph"):
        parse_number_list("28.9–29.2")
    with pytest.raises(ValueError, match="backwards"):
        parse_number_list("28.7–28.3")


def test_range_cap():
    assert len(parse_number_list(f"1.1–1.{MAX_RANGE}")) == MAX_RANGE
    with pytest.raises(ValueError, match="typo"):
        parse_number_list(f"1.1–1.{MAX_RANGE + 1}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("28.1", "28.1"),
        (" 28.1 ", "28.1"),
        ("28.1.", "28.1"),
        ("28.10", "28.10"),
        ("150.212", "150.212"),
        ("28", None),
        ("28.", None),
        ("28.1.2", None),
        ("abc", None),
        ("", None),
        ("28,1", None),
        (28.1, None),  # a float from a spreadsheet: 28.1 or 28.10?
        (28, None),
        (None, None),
    ],
)
def test_parse_number(value, expected):
    assert parse_number(value) == expected


# --- properties ---------------------------------------------------------------

SEPARATORS = [", ", ",", "; ", " and ", ", and ", " & ", " ", ";\u00a0"]
DASHES = ["-", "–", "—", " – ", " - ", " to ", "–\u00a0", " through "]


@st.composite
def rendered_lists(draw):
    """A list of numbers and a text that writes it, with ranges for consecutive runs."""
    segments = draw(
        st.lists(
            st.tuples(
                st.integers(1, 999),  # paragraph
                st.integers(1, 400),  # first sub-number
                st.integers(1, 6),  # length of the consecutive run
                st.booleans(),  # written as a range?
                st.sampled_from(DASHES),
            ),
            min_size=1,
            max_size=12,
        )
    )
    parts: list[str] = []
    expected: list[str] = []
    for parent, first, length, as_range, dash in segments:
        run = [f"{parent}.{child}" for child in range(first, first + length)]
        expected += run
        if as_range:
            parts.append(f"{run[0]}{dash}{run[-1]}")
        else:
            parts.append(draw(st.sampled_from(SEPARATORS)).join(run))
    text = parts[0]
    for part in parts[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + part
    prefix = draw(st.sampled_from(["", "paragraphs ", "Recommendations ", "paras. "]))
    suffix = draw(st.sampled_from(["", ".", " "]))
    return prefix + text + suffix, expected


@settings(max_examples=300)
@given(rendered_lists())
def test_rendered_lists_parse_back(case):
    text, expected = case
    assert parse_number_list(text) == expected


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(list("0123456789.,;-–— ")),
            st.sampled_from(["to", "and", "para", "28.1", "29.", "\n", "\u00a0"]),
            st.characters(),
        )
    ).map("".join)
)
def test_arbitrary_text_raises_only_value_error(text):
    try:
        numbers = parse_number_list(text)
    except ValueError:
        return
    assert all(parse_number(n) == n for n in numbers)


valid_numbers = st.builds(lambda p, c: f"{p}.{c}", st.integers(1, 9999), st.integers(1, 9999))


@given(st.lists(valid_numbers, max_size=30))
def test_comma_joined_numbers_round_trip(numbers):
    assert parse_number_list(", ".join(numbers)) == numbers


@given(valid_numbers)
def test_parse_number_round_trip(number):
    assert parse_number(number) == number
    assert parse_number(f" {number}. ") == number
