"""The figures a report quotes, on a project whose answers are known (tests/known_answers)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from annotator import analysis
from annotator.services import analysis_data
from annotator.services.sources import Source, coder_source
from tests import known_answers
from tests.roles import COORDINATOR, coordinator_id, lead

REPRISALS = "Reprisals and intimidation for cooperation with the UN"


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    built = known_answers.build(tmp_path_factory.mktemp("known") / "known.upr")
    yield built
    built.project.close()


@pytest.fixture(scope="module")
def data(known):
    with known.project.session() as session:
        return analysis_data.load(
            session, source=coder_source(session, "Amina"), by_coder_id=lead(session)
        )


@pytest.mark.parametrize(
    ("wording", "category"),
    [
        ("Supported", "accepted"),
        ("accepted and already implemented", "accepted"),
        ("Accepted and being implemented", "accepted"),
        ("supported and considered implemented", "accepted"),
        ("partially accepted", "partially_accepted"),
        ("Supported in part", "partially_accepted"),
        ("Noted", "noted"),
        ("takes note", "noted"),
        ("Not supported", "noted"),
        ("rejected", "rejected"),
        ("does not accept", "rejected"),
        ("Not accepted", "rejected"),
        (None, "no_response"),
        ("", "no_response"),
        ("  ", "no_response"),
        ("pending", "no_response"),
    ],
)
def test_response_category_of_published_wordings(wording, category):
    assert analysis.response_category(wording) == category


def test_the_428_review_breakdown(known, data):
    b = data.breakdown(known.china_2024)
    assert b.total == 428
    assert b.counts == {
        "accepted": 290,
        "partially_accepted": 8,
        "noted": 32,
        "rejected": 98,
        "no_response": 0,
    }
    assert list(b.categories["Recommendations"]) == [290, 8, 32, 98, 0]
    assert b.categories["Share"].iloc[0] == pytest.approx(290 / 428)
    strict, broad = b.rates
    assert (strict.numerator, strict.denominator) == (98, 428)
    assert round(strict.value * 100, 1) == 22.9
    assert (broad.numerator, broad.denominator) == (130, 428)
    assert round(broad.value * 100, 1) == 30.4
    assert strict.label == "Rejection rate: rejected / all recommendations"
    assert broad.label == "Rejection rate: (rejected + noted) / all recommendations"
    assert str(strict).endswith("98 / 428 = 22.9 %")
    assert b.sentence() == (
        "China accepted 290 of 428 recommendations (150 already implemented, 140 being "
        "implemented), partially accepted 8, noted 32 and rejected 98."
    )
    # The state's own wording is kept apart from the categories.
    wordings = dict(
        zip(b.wordings["Response as published"], b.wordings["Recommendations"], strict=True)
    )
    assert wordings == {
        "accepted and already implemented": 150,
        "accepted and being implemented": 140,
        "rejected": 98,
        "noted": 32,
        "partially accepted": 8,
    }
    positions = dict(zip(b.positions["Position (UN)"], b.positions["Recommendations"], strict=True))
    # "partially accepted" has no UN position until a coder decides one.
    assert positions == {"Supported": 290, "Noted": 130, "Not given": 8}


def test_breakdown_of_every_review_and_of_all(known, data):
    table = analysis.breakdown_by_review(data.recommendations).set_index("review_id")
    assert table.loc[known.china_2018, "Total"] == 300
    assert table.loc[known.china_2018, "Rejected"] == 34
    assert table.loc[known.china_2024, "Partially accepted"] == 8
    assert table.loc[known.chile_2024, "Accepted"] == 10
    assert table.loc[known.china_2024, analysis.RATE_LABELS["rate_rejected_or_noted"]] == (
        pytest.approx(130 / 428)
    )
    assert data.breakdown().total == 738


def test_cycle_comparison(known, data):
    c = analysis.compare_reviews(data.recommendations, known.china_2024, known.china_2018)
    assert c.earlier.year == 2018 and c.later.year == 2024  # ordered whatever the call
    assert c.table.loc["rate_rejected_or_noted", "2018: recommendations"] == 54
    assert c.table.loc["rate_rejected_or_noted", "2018: share"] == pytest.approx(0.18)
    assert c.table.loc["rate_rejected_or_noted", "2024: recommendations"] == 130
    assert c.change("rate_rejected_or_noted") == pytest.approx((130 / 428 - 0.18) * 100)
    assert c.change("rate_rejected") == pytest.approx((98 / 428 - 34 / 300) * 100)
    assert c.table.loc["total", "2024: recommendations"] == 428
    assert c.sentence() == (
        "30.4 % rejected or noted in 2024 against 18.0 % in 2018 (up 12.4 points; "
        "(rejected + noted) / all recommendations)"
    )
    with pytest.raises(ValueError, match="same state"):
        analysis.compare_reviews(data.recommendations, known.china_2024, known.chile_2024)


def test_theme_crosstab_counts_shares_and_cells(known, data):
    tab = analysis.theme_crosstab(data.recommendations, data.themes)
    counts = tab.counts
    assert counts.loc["Torture and other CID treatment", "Total"] == 20
    assert counts.loc["Torture and other CID treatment", "Rejected"] == 12
    assert counts.loc["Torture and other CID treatment", "Noted"] == 8
    assert counts.loc["Torture and other CID treatment", "Accepted"] == 0
    assert counts.loc["Women's rights", "Accepted"] == 25
    assert tab.shares.loc["Women's rights", "Accepted"] == pytest.approx(25 / 30)
    assert tab.shares.loc["Women's rights"].sum() == pytest.approx(1.0)
    assert tab.rejection.loc[REPRISALS, analysis.RATE_LABELS["rate_rejected"]] == 1.0
    # Codebook order, the uncoded last.
    assert list(counts.index) == [
        "Torture and other CID treatment",
        REPRISALS,
        "Women's rights",
        analysis.NO_THEME,
    ]
    assert counts.loc[analysis.NO_THEME, "Total"] == 738 - 20 - 5 - 30
    assert tab.ids(REPRISALS, "rejected") == known.reprisals
    assert tab.ids(REPRISALS, "Rejected") == known.reprisals
    assert tab.ids("Torture and other CID treatment", "Accepted") == []
    cell = analysis.recommendations_in_cell(data.recommendations, tab, "Women's rights", "Rejected")
    assert len(cell) == 5 and set(cell["category"]) == {"rejected"}
    groups = analysis.theme_crosstab(data.recommendations, data.themes, level="group")
    assert groups.counts.loc["Civil and political rights", "Total"] == 25
    assert groups.counts.loc["Groups of persons", "Total"] == 30


def test_statement_checker(known, data):
    recs, themes = data.recommendations, data.themes
    ok = analysis.check_statement(recs, themes, "torture", "accepted")
    assert ok.holds and ok.in_theme == 20 and ok.counter_examples.empty
    assert ok.claim == "No accepted recommendation concerns Torture and other CID treatment."
    assert ok.verdict.startswith("True")
    wrong = analysis.check_statement(recs, themes, "Women's rights", "Accepted")
    assert not wrong.holds
    assert len(wrong.counter_examples) == 25
    assert set(wrong.counter_examples["category"]) == {"accepted"}
    assert wrong.verdict == (
        "False: 25 of the 30 recommendations on Women's rights contradict it. It rests on the "
        "coded recommendations: of 738 recommendations, 55 coded for themes."
    )
    assert wrong.basis == "of 738 recommendations, 55 coded for themes"
    assert analysis.theme_crosstab(recs, themes).basis == wrong.basis
    every = analysis.check_statement(recs, themes, "reprisals", "rejected", quantifier="all")
    assert every.holds and every.claim == f"Every recommendation on {REPRISALS} was rejected."
    not_every = analysis.check_statement(recs, themes, "torture", "rejected", quantifier="all")
    assert not not_every.holds and len(not_every.counter_examples) == 8
    # A theme of the codebook that nobody coded: nothing contradicts "none".
    nobody = analysis.check_statement(
        recs, themes, "Death penalty", "accepted", known_themes=data.theme_labels
    )
    assert nobody.holds and nobody.in_theme == 0
    with pytest.raises(ValueError, match="No recommendation is coded"):
        analysis.check_statement(recs, themes, "astrology", "accepted")
    with pytest.raises(ValueError, match="not a response"):
        analysis.check_statement(recs, themes, "torture", "maybe")


def test_by_recommending_state_and_regional_group(known):
    with known.project.session() as session:
        d = analysis_data.load(session, review_ids=[known.china_2024], by_coder_id=lead(session))
    states = analysis.by_recommending_state(d.recommendations, d.recommending)
    # n % 5 picks the state; every tenth is France and Germany together.
    assert states.loc["France", "Recommendations"] == 85  # 43 alone, 42 jointly
    assert states.loc["Germany", "Recommendations"] == 86 + 42
    assert states.loc["Nigeria", "Regional group"] == "African"
    assert states["Recommendations"].sum() == 428 + 42
    groups = analysis.by_regional_group(d.recommendations, d.recommending)
    weog = groups.loc["Western European and others"]
    # France and Germany jointly count once for their group.
    assert weog["Recommendations"] == 428 - 86 - 85
    assert groups["Recommendations"].sum() == 428
    assert set(groups.columns) >= {"Accepted", "Rejected", "Share accepted"}


def test_response_verification(known, data):
    v = analysis.verify_responses(
        data.recommendations[data.recommendations["review_id"] == known.china_2024],
        data.verified,
    )
    assert v.counts == {
        "confirmed": 6,
        "corrected": 2,
        "coders disagree": 1,
        "unverifiable": 1,
        "not verified yet": 418,
    }
    listed = v.review.set_index("id")
    assert set(listed.index) == set(known.ids_2024[4:5] + known.ids_2024[8:10])
    disagreement = listed.loc[known.ids_2024[4]]
    assert disagreement["Coders"] == "Amina: Accepted; Ben: Noted"
    assert disagreement["Published response"] == "accepted and already implemented"
    assert listed.loc[known.ids_2024[8], "Verified"] == "Rejected"


def test_coding_progress(known, data):
    p = analysis.coding_progress(data.statuses, 738, coders=data.coders)
    rows = p.by_coder.set_index("Coder")
    assert rows.loc["Amina", "Done"] == 100
    assert rows.loc["Amina", "Not started"] == 638
    assert rows.loc["Ben", "Flagged"] == 2
    assert rows.loc["Ben", "Share done"] == pytest.approx(40 / 738)
    assert (p.done_by_any, p.done_by_two) == (100, 40)
    assigned = analysis.coding_progress(
        data.statuses,
        738,
        coders=data.coders,
        assignments=pd.DataFrame({"id": known.ids_2024[:50], "coder": "Ben"}),
    )
    assert assigned.by_coder.set_index("Coder").loc["Ben", "To code"] == 50


def test_sources_choose_whose_themes_count(known):
    with known.project.session() as session:
        ben = analysis_data.load(
            session, source=coder_source(session, "ben"), by_coder_id=lead(session)
        )
        everyone = analysis_data.load(
            session, source=Source("all-coders"), by_coder_id=lead(session)
        )
        consensus = analysis_data.load(
            session, source=Source("consensus"), by_coder_id=lead(session)
        )
        default = analysis_data.load(session, by_coder_id=lead(session))
    assert ben.themes.empty
    assert len(everyone.themes) == 55
    assert consensus.themes.empty
    assert default.source.kind == "all-coders"  # two coders have codes, no consensus


def test_pure_frames_built_by_hand():
    recs = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "review_id": [1, 1, 1, 1],
            "review": ["X 2020 (cycle 3)"] * 4,
            "state": ["X"] * 4,
            "cycle": [3] * 4,
            "year": [2020] * 4,
            "number": ["1.1", "1.2", "1.3", "1.4"],
            "response": ["Supported", None, "Noted", "rejected"],
        }
    )
    b = analysis.response_breakdown(recs, 1)
    assert b.counts["no_response"] == 1
    assert b.sentence() == (
        "X accepted 1 of 4 recommendations, noted 1, rejected 1 and gave no clear response to 1."
    )
    empty = analysis.response_breakdown(recs.iloc[0:0])
    assert empty.total == 0 and math.isnan(empty.rates[0].value)
    assert analysis.percent(float("nan")) == "–"


def _frame(review_id, cycle, year, responses, state="China"):
    return pd.DataFrame(
        {
            "id": [review_id * 1000 + i for i in range(len(responses))],
            "review_id": review_id,
            "review": f"{state}, cycle {cycle}",
            "state": state,
            "cycle": cycle,
            "year": year,
            "number": [f"1.{i}" for i in range(len(responses))],
            "response": responses,
        }
    )


def test_comparison_goes_by_cycle_when_a_year_is_missing():
    """The issue's case: a cycle-3 review with a year and a cycle-4 review made from a
    Working Group report without one: a rise from 17.9 % to 30.4 % is a rise."""
    older = _frame(1, 3, 2018, ["Supported"] * 285 + ["Noted"] * 62)  # 62/347 = 17.9 %
    newer = _frame(2, 4, None, ["accepted"] * 290 + ["partially accepted"] * 8
                   + ["noted"] * 32 + ["rejected"] * 98)  # fmt: skip
    frame = pd.concat([newer, older], ignore_index=True)
    for first, second in ((1, 2), (2, 1)):
        c = analysis.compare_reviews(frame, first, second)
        assert (c.earlier.cycle, c.later.cycle) == (3, 4)
        assert c.change(analysis.RATE_BROAD) == pytest.approx((130 / 428 - 62 / 347) * 100)
        assert "up 12.5 points" in c.sentence()
        assert "down" not in c.not_accepted_sentence()


def test_not_accepted_share_with_a_supported_noted_source_says_so():
    older = _frame(1, 3, 2018, ["Supported"] * 82 + ["Noted"] * 18)
    newer = _frame(2, 4, 2024, ["accepted"] * 70 + ["noted"] * 10 + ["rejected"] * 20)
    c = analysis.compare_reviews(pd.concat([older, newer]), 2, 1)
    assert c.earlier.positions_only and not c.later.positions_only
    sentence = c.not_accepted_sentence()
    assert sentence.startswith(
        "30.0 % not accepted (rejected or noted: 30 of 100) in 2024 against 18.0 % (18 of 100) "
        "in 2018: up 12.0 points."
    )
    assert 'a "rejected" cannot be told apart from "noted"' in sentence
    # a fall is a fall
    fallen = analysis.compare_reviews(
        pd.concat([_frame(1, 3, 2018, ["rejected"] * 40 + ["accepted"] * 60),
                   _frame(2, 4, 2024, ["rejected"] * 10 + ["accepted"] * 90)]), 1, 2
    )  # fmt: skip
    assert "down 30.0 points" in fallen.not_accepted_sentence()
    assert fallen.note is None


def test_a_false_statement_on_the_command_line_lists_every_counter_example(known, tmp_path):
    from tests.cli_runner import run_annotator as annotator

    coordinator_id(known.project)
    result = annotator(
        "stats", "--db", str(known.path), "--as", COORDINATOR,
        "--check", "none", "accepted", "Women's rights",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "False: 25 of the 30 recommendations on Women's rights" in result.stdout
    assert "of 738 recommendations, 55 coded for themes" in result.stdout
    listed = [line for line in result.stdout.splitlines() if "Recommendation 160." in line]
    assert len(listed) == 25
    assert all("accepted" in line for line in listed)
