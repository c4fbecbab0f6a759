"""The coordinator's units of work on assignments: give several coders the same
recommendations, or take them back, in one transaction (all of it or nothing).

The Assign dialog and scripts call these with the project and plain values; the
single-coder steps they are made of live in ``assignments``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from annotator.services import assignments
from annotator.services.coders import get_or_create_coder, list_coders
from annotator.services.sample_plan import SamplePlan, sample_plan
from annotator.store.project import Project

Which = Literal["all", "range", "sample"]


@dataclass(frozen=True)
class Choice:
    """Which recommendations: every one, a range of numbers in one review, or a random
    sample (a share of all reviews or of one, optionally the same share of each
    published response)."""

    which: Which = "all"
    review_id: int | None = None  # "range": the review; its first and last number
    first: str = ""
    last: str = ""
    share: float = 0.1  # "sample"
    seed: int = 1
    stratify_by: str | None = None
    sample_reviews: list[int] | None = None


@dataclass(frozen=True)
class Assigned:
    total: int  # recommendations chosen
    new_by_coder: dict[int, int]  # coder id -> how many of them were new to that coder


@dataclass(frozen=True)
class Removed:
    removed_by_coder: dict[int, int]  # coder id -> how many assignments were taken back
    now_free: list[int]  # coder ids left with no assignment (they now see everything)


def assign_to_coders(
    project: Project, coder_ids: list[int], choice: Choice, *, by_coder_id: int | None
) -> Assigned:
    """Give every coder the chosen recommendations; a sample is one draw shared by all."""
    with project.write() as session:
        if choice.which == "sample":
            overlap = assignments.assign_overlap(
                session,
                coder_ids,
                choice.share,
                seed=choice.seed,
                stratify_by=choice.stratify_by,
                review_ids=choice.sample_reviews,
                by_coder_id=by_coder_id,
            )
            return Assigned(len(overlap.ids), overlap.new_by_coder)
        ids = _chosen_ids(session, choice)
        new = {
            cid: assignments.assign(session, cid, ids, by_coder_id=by_coder_id) for cid in coder_ids
        }
        return Assigned(len(ids), new)


def remove_from_coders(
    project: Project, coder_ids: list[int], choice: Choice, *, by_coder_id: int | None
) -> Removed:
    """Take the chosen recommendations back from every coder ("all": everything)."""
    with project.write() as session:
        ids: list[int] | None
        if choice.which == "all":
            ids = None
        elif choice.which == "sample":
            ids = assignments.draw_overlap_sample(
                session,
                choice.share,
                seed=choice.seed,
                stratify_by=choice.stratify_by,
                review_ids=choice.sample_reviews,
            )
        else:
            ids = _chosen_ids(session, choice)
        removed = {
            cid: assignments.unassign(session, cid, ids, by_coder_id=by_coder_id)
            for cid in coder_ids
        }
        free = [cid for cid in coder_ids if assignments.assigned_ids(session, cid) is None]
        return Removed(removed, free)


def _chosen_ids(session: Session, choice: Choice) -> list[int]:
    if choice.which == "range":
        if choice.review_id is None:
            raise ValueError("Choose the review whose recommendations to assign.")
        return assignments.ids_in_range(session, choice.review_id, choice.first, choice.last)
    return assignments.all_ids(session)


# ----------------------------------------------------------------- what the dialog shows


@dataclass(frozen=True)
class CoderChoice:
    id: int
    name: str
    role: str


@dataclass(frozen=True)
class AssignChoices:
    """What a coordinator chooses from: the coders, the reviews' number ranges, and how
    many recommendations the project holds."""

    coders: list[CoderChoice]
    ranges: list[assignments.ReviewRange]
    total: int


@dataclass(frozen=True)
class AddedCoder:
    id: int
    name: str  # as cleaned and stored
    was_known: bool  # already one of the project's coders: nothing was added


def assign_choices(project: Project) -> AssignChoices:
    with project.session() as session:
        return AssignChoices(
            [CoderChoice(c.id, c.name, c.role) for c in list_coders(session)],
            assignments.review_ranges(session),
            len(assignments.all_ids(session)),
        )


def assignment_state(
    project: Project,
) -> tuple[list[assignments.CoderAssignments], assignments.OverlapTotals]:
    """Who is assigned what, and how much is assigned to (and done by) two coders."""
    with project.session() as session:
        return assignments.assignment_summary(session), assignments.overlap_totals(session)


def reliability_plan(project: Project) -> SamplePlan:
    with project.session() as session:
        return sample_plan(session)


def sample_size(project: Project, choice: Choice) -> int:
    """How many recommendations the chosen sample would draw (counts only)."""
    with project.session() as session:
        return assignments.sample_size(
            session, choice.share, stratify_by=choice.stratify_by, review_ids=choice.sample_reviews
        )


def add_coder(project: Project, name: str) -> AddedCoder:
    """The coder of that name, added if the project does not have them yet."""
    with project.write() as session:
        known = {c.name for c in list_coders(session)}
        coder = get_or_create_coder(session, name)
        return AddedCoder(coder.id, coder.name, coder.name in known)
