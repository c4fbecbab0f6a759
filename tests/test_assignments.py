"""Assignments on real project files: who codes what, overlap samples, summary, audit."""

from __future__ import annotations

import json
import random
import shutil

import pytest
from sqlalchemy import delete, func, select

from annotator.services import assignments as asg
from annotator.services.coders import get_or_create_coder
from annotator.store.models import (
    Assignment,
    AuditEvent,
    CodingStatus,
    Recommendation,
    Review,
)
from annotator.store.project import open_project
from tests.roles import boss

# The bundled sample: China's 2018 review, 346 recommendations 28.1 to 28.346.
SUPPORTED, NOTED = 284, 62


@pytest.fixture
def coders(sample_project) -> dict[str, int]:
    with sample_project.write() as session:
        made = {
            name: get_or_create_coder(session, name, role).id
            for name, role in (
                ("Amina", "coder"),
                ("Ben", "coder"),
                ("Chen", "coder"),
                ("Cora", "coordinator"),
            )
        }
    return made


def review_id(session) -> int:
    return session.scalars(select(Review.id)).one()


def ids_by_number(session, numbers: list[str]) -> list[int]:
    by_number = dict(session.execute(select(Recommendation.number, Recommendation.id)).all())
    return [by_number[n] for n in numbers]


def numbers_of(session, ids: list[int]) -> list[str]:
    by_id = dict(session.execute(select(Recommendation.id, Recommendation.number)).all())
    return [by_id[i] for i in ids]


def counts(project) -> tuple[int, int]:
    with project.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Assignment)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def assignment_events(session) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "assignment").order_by(AuditEvent.id)
        )
    )


# ------------------------------------------------------------------ assign, unassign


def test_assign_is_idempotent_and_unassign_gives_everything_back(sample_project, coders):
    amina, cora = coders["Amina"], coders["Cora"]
    with sample_project.write() as session:
        assert asg.assigned_ids(session, amina) is None
        first = ids_by_number(session, ["28.1", "28.2", "28.3"])
        assert asg.assign(session, amina, first, by_coder_id=cora) == 3
        # Two already there, one new, one repeated within the call.
        more = ids_by_number(session, ["28.3", "28.2", "28.4", "28.4"])
        assert asg.assign(session, amina, more, by_coder_id=cora) == 1
        assert asg.assign(session, amina, first, by_coder_id=boss(session, "Cora")) == 0
    with sample_project.session() as session:
        assert asg.assigned_ids(session, amina) == set(
            ids_by_number(session, ["28.1", "28.2", "28.3", "28.4"])
        )
        assert asg.assigned_ids(session, coders["Ben"]) is None
        row = session.scalars(select(Assignment).where(Assignment.coder_id == amina)).first()
        assert row.assigned_by_id == cora
        assert row.assigned_at.tzinfo is not None

    with sample_project.write() as session:
        removed = asg.unassign(
            session,
            amina,
            ids_by_number(session, ["28.1", "28.9"]),
            by_coder_id=boss(session, "Cora"),
        )
        assert removed == 1
        assert asg.assigned_ids(session, amina) == set(
            ids_by_number(session, ["28.2", "28.3", "28.4"])
        )
        assert asg.unassign(session, amina, by_coder_id=boss(session, "Cora")) == 3
        assert asg.unassign(session, amina, by_coder_id=boss(session, "Cora")) == 0
        assert asg.assigned_ids(session, amina) is None


def test_every_change_is_audited_with_who_and_how_many(sample_project, coders):
    amina, cora = coders["Amina"], coders["Cora"]
    with sample_project.write() as session:
        ids = ids_by_number(session, ["28.5", "28.6"])
        asg.assign(session, amina, ids, by_coder_id=cora)
        asg.assign(session, amina, ids, by_coder_id=cora)  # no change, no event
        asg.unassign(session, amina, by_coder_id=cora)
        asg.unassign(session, amina, by_coder_id=cora)  # nothing left, no event
    with sample_project.session() as session:
        events = assignment_events(session)
    assert [(e.action, e.coder_id) for e in events] == [("assign", cora), ("unassign", cora)]
    assigned, unassigned = (json.loads(e.after) for e in events)
    assert assigned["coder"] == "Amina" and assigned["count"] == 2
    assert unassigned["coder"] == "Amina" and unassigned["count"] == 2
    assert unassigned["assigned_now"] == 0


def test_deleting_a_recommendation_takes_its_assignments_with_it(sample_project, coders):
    with sample_project.write() as session:
        target = ids_by_number(session, ["28.7"])
        asg.assign(session, coders["Amina"], target, by_coder_id=boss(session, "Cora"))
        asg.assign(session, coders["Ben"], target, by_coder_id=boss(session, "Cora"))
    with sample_project.write() as session:
        session.execute(delete(Recommendation).where(Recommendation.id == target[0]))
    assert counts(sample_project)[0] == 0


# ----------------------------------------------------------------------------- ranges


def test_ranges_follow_reading_order_not_string_order(sample_project):
    with sample_project.session() as session:
        rid = review_id(session)
        ids = asg.ids_in_range(session, rid, "28.2", "28.10")
        assert numbers_of(session, ids) == [f"28.{n}" for n in range(2, 11)]
        # As strings "28.10" < "28.9"; in reading order 28.9 comes first.
        ids = asg.ids_in_range(session, rid, " 28.9 ", "28.11")
        assert numbers_of(session, ids) == ["28.9", "28.10", "28.11"]
        # The ends need not exist: everything from 28.340 on.
        ids = asg.ids_in_range(session, rid, "28.340", "28.999")
        assert numbers_of(session, ids) == [f"28.{n}" for n in range(340, 347)]


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("28.10", "28.2", "comes after its end"),
        ("28.400", "28.500", "No recommendation of that review is numbered"),
        ("", "28.5", "Give both the first and the last"),
        ("28.1", "   ", "Give both the first and the last"),
    ],
)
def test_bad_ranges_are_refused_in_plain_words(sample_project, first, last, message):
    with sample_project.session() as session, pytest.raises(ValueError, match=message):
        asg.ids_in_range(session, review_id(session), first, last)


def test_a_range_of_an_unknown_review_is_refused(sample_project):
    with sample_project.session() as session, pytest.raises(ValueError, match="review"):
        asg.ids_in_range(session, 999, "28.1", "28.2")


def test_review_ranges_offer_first_and_last_number(sample_project):
    with sample_project.session() as session:
        (only,) = asg.review_ranges(session)
    assert (only.first_number, only.last_number, only.count) == ("28.1", "28.346", 346)
    assert "China" in only.label and "2018" in only.label


# ---------------------------------------------------------------------------- samples


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(
    sample_project, sample_template, tmp_path
):
    with sample_project.session() as session:
        first = asg.draw_overlap_sample(session, 0.1, seed=42)
        again = asg.draw_overlap_sample(session, 0.1, seed=42)
        other = asg.draw_overlap_sample(session, 0.1, seed=43)
        every = set(asg.all_ids(session))
    assert first == again
    assert len(first) == round(0.1 * 346) == 35
    assert first == sorted(first) and len(set(first)) == 35
    assert set(first) <= every
    assert other != first and len(other) == 35

    # Another copy of the same project draws the same recommendations.
    copy = tmp_path / "copy.upr"
    shutil.copyfile(sample_template, copy)
    project = open_project(copy)
    try:
        with project.session() as session:
            assert asg.draw_overlap_sample(session, 0.1, seed=42) == first
    finally:
        project.close()


def test_the_sample_rests_only_on_random_random(sample_project):
    """Only Random.random() is promised to repeat across Python versions, so the draw
    must be: one random() per recommendation in id order, the smallest keys win."""
    with sample_project.session() as session:
        ids = asg.all_ids(session)
        drawn = asg.draw_overlap_sample(session, 0.2, seed=7)
    rng = random.Random(7)
    keys = sorted((rng.random(), rid) for rid in ids)
    assert drawn == sorted(rid for _, rid in keys[: round(0.2 * len(ids))])


def test_stratified_samples_take_the_share_of_each_response(sample_project):
    with sample_project.session() as session:
        for stratify_by in ("position", "response"):
            drawn = asg.draw_overlap_sample(session, 0.1, seed=5, stratify_by=stratify_by)
            positions = dict(
                session.execute(
                    select(Recommendation.position, func.count())
                    .where(Recommendation.id.in_(drawn))
                    .group_by(Recommendation.position)
                ).all()
            )
            assert positions == {"supported": round(0.1 * SUPPORTED), "noted": round(0.1 * NOTED)}
            assert asg.sample_size(session, 0.1, stratify_by=stratify_by) == 34
        # A tiny share still takes one of each response.
        drawn = asg.draw_overlap_sample(session, 0.001, seed=5, stratify_by="position")
        positions = session.scalars(
            select(Recommendation.position).where(Recommendation.id.in_(drawn))
        ).all()
        assert sorted(positions) == ["noted", "supported"]
        # Unstratified, the same share is rounded once over the whole project.
        assert len(asg.draw_overlap_sample(session, 0.001, seed=5)) == 1
        assert asg.sample_size(session, 0.1) == 35
        assert len(asg.draw_overlap_sample(session, 1.0, seed=5, stratify_by="position")) == 346


def test_recommendations_without_a_response_are_a_group_of_their_own(sample_project):
    with sample_project.write() as session:
        (one,) = ids_by_number(session, ["28.100"])
        session.get(Recommendation, one).position = None
        session.get(Recommendation, one).response = None
    with sample_project.session() as session:
        drawn = asg.draw_overlap_sample(session, 0.01, seed=1, stratify_by="position")
        assert one in drawn
        assert len(drawn) == 1 + round(0.01 * (SUPPORTED - 1)) + round(0.01 * NOTED)
        assert asg.sample_size(session, 0.01, stratify_by="position") == len(drawn)


def test_samples_can_be_limited_to_reviews(sample_project):
    with sample_project.session() as session:
        rid = review_id(session)
        assert asg.draw_overlap_sample(
            session, 0.1, seed=3, review_ids=[rid]
        ) == asg.draw_overlap_sample(session, 0.1, seed=3)
        with pytest.raises(ValueError, match="not in this project"):
            asg.draw_overlap_sample(session, 0.1, seed=3, review_ids=[rid, 999])


def test_overlap_gives_every_coder_the_same_sample(sample_project, coders):
    amina, ben, cora = coders["Amina"], coders["Ben"], coders["Cora"]
    with sample_project.write() as session:
        asg.assign(
            session, ben, ids_by_number(session, ["28.1"]), by_coder_id=boss(session, "Cora")
        )
        result = asg.assign_overlap(
            session, [amina, ben], 0.1, seed=11, stratify_by="position", by_coder_id=cora
        )
    with sample_project.session() as session:
        sample = asg.draw_overlap_sample(session, 0.1, seed=11, stratify_by="position")
        assert result.ids == sample
        assert asg.assigned_ids(session, amina) == set(sample)
        assert asg.assigned_ids(session, ben) == set(sample) | set(ids_by_number(session, ["28.1"]))
        events = assignment_events(session)
    one_was_there = 1 if ids_by_number_in(sample_project, "28.1") in sample else 0
    assert result.new_by_coder == {amina: 34, ben: 34 - one_was_there}
    details = [json.loads(e.after) for e in events[-2:]]
    assert [d["coder"] for d in details] == ["Amina", "Ben"]
    assert details[0]["sample"] == {"share": 0.1, "seed": 11, "stratify_by": "position"}


def ids_by_number_in(project, number: str) -> int:
    with project.session() as session:
        return ids_by_number(session, [number])[0]


# ---------------------------------------------------------------------------- summary


def set_status(session, coder_id: int, numbers: list[str], status: str = "done") -> None:
    for rid in ids_by_number(session, numbers):
        session.merge(CodingStatus(recommendation_id=rid, coder_id=coder_id, status=status))


def test_summary_counts_assigned_done_and_overlap(sample_project, coders):
    amina, ben, chen = coders["Amina"], coders["Ben"], coders["Chen"]
    with sample_project.write() as session:
        shared = [f"28.{n}" for n in range(1, 11)]
        asg.assign(
            session,
            amina,
            ids_by_number(session, [*shared, "28.50", "28.51"]),
            by_coder_id=boss(session, "Cora"),
        )
        asg.assign(session, ben, ids_by_number(session, shared), by_coder_id=boss(session, "Cora"))
        asg.assign(
            session,
            chen,
            ids_by_number(session, ["28.1", "28.60"]),
            by_coder_id=boss(session, "Cora"),
        )
        set_status(session, amina, ["28.1", "28.2", "28.3", "28.50"])
        set_status(session, amina, ["28.4"], "flagged")
        set_status(session, ben, ["28.1", "28.2", "28.4", "28.200"])  # 28.200 not his
        set_status(session, chen, ["28.60"])
    with sample_project.session() as session:
        rows = {row.name: row for row in asg.assignment_summary(session)}
        totals = asg.overlap_totals(session)

    assert list(rows) == ["Amina", "Ben", "Chen", "Cora"]
    a, b, c, cora = rows["Amina"], rows["Ben"], rows["Chen"], rows["Cora"]
    assert (a.assigned, a.done, a.overlap, a.overlap_done) == (12, 4, 10, 2)
    assert (b.assigned, b.done, b.overlap, b.overlap_done) == (10, 3, 10, 2)
    # 28.1 is shared with Amina and Ben and done by both; 28.60 is Chen's alone.
    assert (c.assigned, c.done, c.overlap, c.overlap_done) == (2, 1, 1, 1)
    assert cora.assigned == 0 and cora.sees_everything
    assert not a.sees_everything
    # Shared: 28.1..28.10; done by two of their coders: 28.1 and 28.2.
    assert totals == asg.OverlapTotals(units=10, done_by_two=2)


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("share", [0, -0.1, 1.01, 5, float("nan")])
def test_a_share_out_of_range_is_refused_and_nothing_changes(sample_project, coders, share):
    before = counts(sample_project)
    with sample_project.session() as session:
        with pytest.raises(ValueError, match="share of recommendations"):
            asg.assign_overlap(
                session,
                [coders["Amina"], coders["Ben"]],
                share,
                seed=1,
                by_coder_id=boss(session, "Cora"),
            )
        session.commit()
    assert counts(sample_project) == before


def test_bad_inputs_are_refused_and_nothing_changes(sample_project, coders):
    amina = coders["Amina"]
    before = counts(sample_project)
    with sample_project.session() as session:
        some = ids_by_number(session, ["28.1", "28.2"])
        with pytest.raises(ValueError, match="coder is not in this project"):
            asg.assign(session, 999, some, by_coder_id=boss(session, "Cora"))
        # The known coder listed first must not get the sample either.
        with pytest.raises(ValueError, match="coder is not in this project"):
            asg.assign_overlap(
                session, [amina, 999], 0.1, seed=1, by_coder_id=boss(session, "Cora")
            )
        with pytest.raises(ValueError, match="not in this project; nothing was assigned"):
            asg.assign(session, amina, [*some, 99_999], by_coder_id=boss(session, "Cora"))
        with pytest.raises(ValueError, match="no recommendations to assign"):
            asg.assign(session, amina, [], by_coder_id=boss(session, "Cora"))
        with pytest.raises(ValueError, match="no such coder"):
            asg.assign(session, amina, some, by_coder_id=999)
        with pytest.raises(ValueError, match="at least one coder"):
            asg.assign_overlap(session, [], 0.1, seed=1, by_coder_id=boss(session, "Cora"))
        with pytest.raises(ValueError, match="stratified by position or response"):
            asg.draw_overlap_sample(session, 0.1, seed=1, stratify_by="state")
        with pytest.raises(ValueError, match="coder is not in this project"):
            asg.unassign(session, 999, by_coder_id=boss(session, "Cora"))
        session.commit()
    assert counts(sample_project) == before


def test_an_empty_project_has_nothing_to_sample(empty_project):
    with empty_project.write() as session:
        coder = get_or_create_coder(session, "Amina").id
    with empty_project.session() as session:
        with pytest.raises(ValueError, match="no recommendations to draw a sample from"):
            asg.draw_overlap_sample(session, 0.5, seed=1)
        with pytest.raises(ValueError, match="no recommendations to draw a sample from"):
            asg.assign_overlap(session, [coder], 0.5, seed=1, by_coder_id=boss(session, "Cora"))
        assert asg.sample_size(session, 0.5) == 0
        assert asg.review_ranges(session) == []
        assert asg.assignment_summary(session)[0].sees_everything
