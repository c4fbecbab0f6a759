"""The coordinator's units of work on assignments (services.assigning), on a real file:
several coders at once, all of it or nothing."""

from __future__ import annotations

import pytest

from annotator.services import assignments
from annotator.services.assigning import Choice, assign_to_coders, remove_from_coders
from annotator.services.coders import get_or_create_coder
from annotator.services.permissions import NotPermitted


@pytest.fixture
def team(sample_project) -> dict[str, int]:
    with sample_project.write() as session:
        return {
            name: get_or_create_coder(session, name, role).id
            for name, role in (("Amina", "coder"), ("Ben", "coder"), ("Cora", "coordinator"))
        }


def assigned(project, coder_id: int) -> set[int] | None:
    with project.session() as session:
        return assignments.assigned_ids(session, coder_id)


def the_review(project) -> int:
    with project.session() as session:
        return assignments.review_ranges(session)[0].review_id


def test_a_range_for_two_coders_then_again(sample_project, team):
    both = [team["Amina"], team["Ben"]]
    choice = Choice("range", review_id=the_review(sample_project), first="28.1", last="28.10")
    done = assign_to_coders(sample_project, both, choice, by_coder_id=team["Cora"])
    assert done.total == 10 and done.new_by_coder == {team["Amina"]: 10, team["Ben"]: 10}
    assert assigned(sample_project, team["Amina"]) == assigned(sample_project, team["Ben"])
    again = assign_to_coders(sample_project, both, choice, by_coder_id=team["Cora"])
    assert again.total == 10 and set(again.new_by_coder.values()) == {0}


def test_one_sample_shared_by_every_coder(sample_project, team):
    both = [team["Amina"], team["Ben"]]
    choice = Choice("sample", share=0.1, seed=7)
    done = assign_to_coders(sample_project, both, choice, by_coder_id=team["Cora"])
    amina = assigned(sample_project, team["Amina"])
    assert amina is not None and len(amina) == done.total == 35
    assert amina == assigned(sample_project, team["Ben"])


def test_removing_everything_frees_the_coders(sample_project, team):
    both = [team["Amina"], team["Ben"]]
    assign_to_coders(sample_project, both, Choice("all"), by_coder_id=team["Cora"])
    removed = remove_from_coders(sample_project, both, Choice("all"), by_coder_id=team["Cora"])
    assert removed.removed_by_coder == {team["Amina"]: 346, team["Ben"]: 346}
    assert removed.now_free == both
    assert assigned(sample_project, team["Amina"]) is None


def test_removing_a_range_keeps_the_rest(sample_project, team):
    review = the_review(sample_project)
    assign_to_coders(sample_project, [team["Amina"]], Choice("all"), by_coder_id=team["Cora"])
    part = Choice("range", review_id=review, first="28.1", last="28.5")
    removed = remove_from_coders(sample_project, [team["Amina"]], part, by_coder_id=team["Cora"])
    assert removed.removed_by_coder == {team["Amina"]: 5} and removed.now_free == []
    assert len(assigned(sample_project, team["Amina"]) or ()) == 341


def test_a_refusal_changes_nothing(sample_project, team):
    both = [team["Amina"], team["Ben"]]
    with pytest.raises(ValueError, match="Choose the review"):
        assign_to_coders(sample_project, both, Choice("range"), by_coder_id=team["Cora"])
    with pytest.raises(NotPermitted):
        assign_to_coders(sample_project, both, Choice("all"), by_coder_id=team["Amina"])
    assert assigned(sample_project, team["Amina"]) is None
    assert assigned(sample_project, team["Ben"]) is None


def test_a_coder_refused_halfway_leaves_the_first_unassigned(sample_project, team):
    with pytest.raises(ValueError):
        assign_to_coders(
            sample_project, [team["Amina"], 99_999], Choice("all"), by_coder_id=team["Cora"]
        )
    assert assigned(sample_project, team["Amina"]) is None


def test_what_the_assign_dialog_reads(sample_project, team):
    from annotator.services.assigning import (
        add_coder,
        assign_choices,
        assignment_state,
        sample_size,
    )

    choices = assign_choices(sample_project)
    assert {c.name for c in choices.coders} == {"Amina", "Ben", "Cora"}
    assert choices.total == 346 and choices.ranges[0].first_number == "28.1"
    assert sample_size(sample_project, Choice("sample", share=0.1)) == 35
    with pytest.raises(ValueError):
        sample_size(sample_project, Choice("sample", share=2.0))
    added = add_coder(sample_project, "  Dara ")
    assert added.name == "Dara" and not added.was_known
    again = add_coder(sample_project, "Dara")
    assert again.id == added.id and again.was_known
    rows, totals = assignment_state(sample_project)
    assert "Dara" in {r.name for r in rows} and totals.units == 0
