"""What the ``annotator`` command asks of a project, one call per question.

Each call takes the project and plain values (the names, keys and review labels a
person typed; ``given`` is ``--as``) and returns plain results, opening the project's
session itself, so ``annotator.cli`` holds no database code. Who the command acts as is
resolved inside the same session as the work it guards. The services these calls use
are imported when a call runs: a command loads only what it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.services.acting import acting_coder_id
from annotator.store.project import Project

if TYPE_CHECKING:
    from annotator.services.adjudication import Disagreement
    from annotator.services.analysis_data import AnalysisData
    from annotator.services.coders import CoderRow
    from annotator.services.coding import FormSpec
    from annotator.services.reliability_report import Report
    from annotator.services.reviews import ReviewInfo
    from annotator.services.sample_plan import SamplePlan


def acting_coder(project: Project, given: str | None) -> int | None:
    """The id of the coder the command acts as (see ``services.acting``)."""
    with project.session() as session:
        return acting_coder_id(session, given)


def review_ids(project: Project, reviews: Sequence[str] | None) -> list[int] | None:
    """The ids of the reviews named (STATE:CYCLE or a report symbol), each once, in
    the order given; None when none is named (every review)."""
    from annotator.services.analysis_data import find_review

    if not reviews:
        return None
    with project.session() as session:
        return list(dict.fromkeys(find_review(session, text) for text in reviews))


@dataclass(frozen=True)
class StatsData:
    data: AnalysisData
    review_ids: list[int] | None  # the reviews named with --review
    compared: list[int]  # the two reviews named with --compare, or none


def stats_data(
    project: Project,
    *,
    reviews: Sequence[str] | None,
    compare: Sequence[str] | None,
    source: str | None,
    given: str | None,
) -> StatsData:
    """What ``annotator stats`` shows, read as the acting coder may see it."""
    from annotator.services import analysis_data
    from annotator.services.sources import parse_source

    with project.session() as session:
        named = None
        if reviews:
            named = list(dict.fromkeys(analysis_data.find_review(session, r) for r in reviews))
        compared = [analysis_data.find_review(session, r) for r in compare or ()]
        chosen = parse_source(session, source) if source else None
        wanted = None
        if named is not None or compared:
            wanted = list(dict.fromkeys([*(named or []), *compared]))
        data = analysis_data.load(
            session,
            source=chosen,
            review_ids=wanted,
            by_coder_id=acting_coder_id(session, given),
        )
    return StatsData(data, named, compared)


def reliability(
    project: Project,
    *,
    given: str | None,
    fields: Iterable[str] | None,
    coders: Iterable[str] | None,
    metrics: Iterable[str] | None,
    by_code: bool,
    bootstrap: int,
    seed: int,
    without_suggestions: bool = False,
) -> Report:
    from annotator.services.reliability_report import report

    with project.session() as session:
        return report(
            session,
            by_coder_id=acting_coder_id(session, given),
            fields=fields,
            coders=coders,
            metrics=metrics,
            by_code=by_code,
            bootstrap=bootstrap,
            seed=seed,
            project_name=project.display_name,
            without_suggestions=without_suggestions,
        )


def reliability_sample_plan(
    project: Project, fields: Iterable[str] | None, coders: Iterable[str] | None
) -> SamplePlan:
    from annotator.services.sample_plan import sample_plan

    with project.session() as session:
        return sample_plan(session, fields, coders)


def accept_agreements(
    project: Project, field_key: str | None, coders: Iterable[str] | None, given: str | None
) -> int:
    """Make the coders' shared value final where they all agree; how many values."""
    from annotator.services import adjudication

    with project.write() as session:
        return adjudication.accept_agreements(
            session, field_key, by_coder_id=acting_coder_id(session, given), coders=coders
        )


def disagreements(
    project: Project,
    field_key: str | None,
    code_key: str | None,
    coders: Iterable[str] | None,
    *,
    include_decided: bool,
    given: str | None,
) -> tuple[FormSpec, list[Disagreement]]:
    """The coders' disagreements, with the codebook to show their values by."""
    from annotator.services import adjudication
    from annotator.services.coding import form_spec

    with project.session() as session:
        spec = form_spec(session)
        found = adjudication.disagreements(
            session,
            field_key,
            code_key,
            coders,
            include_decided=include_decided,
            by_coder_id=acting_coder_id(session, given),
        )
    return spec, found


def coders_listed(project: Project, *, include_retired: bool) -> tuple[list[CoderRow], bool]:
    """The coders with their work, and whether the project has a coordinator."""
    from annotator.services import coders

    with project.session() as session:
        return (
            coders.coder_rows(session, include_retired=include_retired),
            bool(coders.coordinators(session)),
        )


@dataclass(frozen=True)
class CoderChange:
    """What a change of coders did: the names added, or the coder changed (its name
    and role after the change, and its name before)."""

    added: tuple[str, ...] = ()
    name: str = ""
    role: str = ""
    old_name: str = ""


def change_coders(
    project: Project,
    action: str,
    *,
    given: str | None,
    names: Sequence[str] = (),
    name: str = "",
    role: str = "",
    new_name: str = "",
) -> CoderChange:
    """add (``names`` with ``role``), set-role, rename, retire or restore (``name``), as
    the acting coder, in one transaction."""
    from annotator.services import coders
    from annotator.services.identity import acting_name

    with project.write() as session:
        if action == "set-role" and not coders.coordinators(session):
            # Claiming an empty coordinator role: the claimant joins the project (as
            # opening it in the app would) so that they can be made coordinator.
            claimant = acting_name(given)
            if claimant is not None and coders.find_coder(session, claimant) is None:
                coders.get_or_create_coder(session, claimant)
        acting = acting_coder_id(session, given)
        if action == "add":
            added = [coders.add_coder(session, n, role, by_coder_id=acting).name for n in names]
            return CoderChange(added=tuple(added), role=role)
        coder = coders.coder_named(session, name)
        old = coder.name
        if action == "set-role":
            coders.set_role(session, coder.id, role, by_coder_id=acting)
        elif action == "rename":
            coders.rename_coder(session, coder.id, new_name, by_coder_id=acting)
        elif action == "retire":
            coders.retire_coder(session, coder.id, by_coder_id=acting)
        elif action == "restore":
            coders.restore_coder(session, coder.id, by_coder_id=acting)
        else:
            raise ValueError(f"Unknown change of coders: {action}")
        return CoderChange(name=coder.name, role=coder.role, old_name=old)


def reviews_listed(project: Project) -> list[ReviewInfo]:
    from annotator.services import reviews

    with project.session() as session:
        return reviews.list_reviews(session)
