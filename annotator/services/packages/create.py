"""Making a package: the project file one coder takes away to code offline."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from annotator.services import assignments, permissions
from annotator.services.codebook import active_codebook, active_codebook_row
from annotator.services.coders import clean_name, find_coder, get_or_create_coder
from annotator.services.packages.contents import MARKER_KEY, Marker
from annotator.services.packages.errors import PackageError
from annotator.services.packages.shared import ProgressFn, counted, no_progress
from annotator.services.projects import init_project
from annotator.store import fts
from annotator.store.ids import new_uuid
from annotator.store.models import (
    Annotation,
    Codebook,
    CodebookRevision,
    Coder,
    CodingStatus,
    ProjectInfo,
    Recommendation,
    RecommendationState,
    Review,
    SourceTag,
    State,
)
from annotator.store.project import Project
from annotator.store.queries import in_chunks
from annotator.store.safe_write import OutputRefused, check_target, written_whole

PackageScope = Literal["mine", "all"] | Sequence[int] | None


@dataclass(frozen=True)
class PackageReport:
    """What ``create_package`` wrote."""

    path: Path
    coder: str
    coder_uuid: uuid.UUID
    package_uuid: uuid.UUID
    made_at: datetime
    recommendations: int
    annotations: int
    statuses: int
    scope: str  # "assigned", "all" (the coder has no assignment, or all was asked), "chosen"
    left_out: int = 0  # annotations of fields no longer in the codebook

    def sentence(self) -> str:
        scope = {
            "assigned": "assigned to them",
            "all": "all of the project's",
            "chosen": "chosen",
        }[self.scope]
        return (
            f"Package for {self.coder}: {counted(self.recommendations, 'recommendation')} "
            f"({scope}), {counted(self.annotations, 'earlier value')}, written to {self.path}"
        )


def package_marker(project: Project) -> Marker | None:
    """Whose package this project file is, or None for a coordinator's project."""
    text = project.info(MARKER_KEY)
    return None if text is None else Marker.from_json(text, project.path or Path("project"))


def coder_opening(project: Project, session: Session, name: str) -> Coder:
    """Who codes when ``name`` opens ``project``: in a coder's package, always the
    package's coder (whatever name the laptop remembers), so that their work is theirs
    at the merge; in any other project, the coder of that name (added as a plain coder
    if new, as opening a project with one's name always did)."""
    marker = package_marker(project)
    if marker is None:
        return get_or_create_coder(session, name)
    coder = session.scalars(select(Coder).where(Coder.uuid == marker.coder_uuid)).first()
    if coder is None:
        raise PackageError(
            f"{project.display_name} is the package of {marker.coder_name}, but it does "
            "not hold that coder; ask the coordinator for a new package."
        )
    return coder


def _package_ids(
    session: Session, coder_id: int, assignment: PackageScope
) -> tuple[list[int], str]:
    if assignment is None or assignment == "mine":
        mine = assignments.assigned_ids(session, coder_id)
        if mine is not None:
            return sorted(mine), "assigned"
        return assignments.all_ids(session), "all"
    if assignment == "all":
        return assignments.all_ids(session), "all"
    if isinstance(assignment, str):
        raise ValueError(f"'{assignment}' is not a choice of recommendations: use mine or all.")
    wanted = sorted({int(i) for i in assignment})
    known: set[int] = set()
    for chunk in in_chunks(wanted):
        known.update(session.scalars(select(Recommendation.id).where(Recommendation.id.in_(chunk))))
    if len(known) != len(wanted):
        raise PackageError(
            f"{counted(len(wanted) - len(known), 'chosen recommendation')} "
            "not in this project; no package was written."
        )
    return wanted, "chosen"


def _rows(session: Session, statement: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(statement)]


def _columns(model: Any, *skip: str) -> list[Any]:
    return [c for c in model.__table__.c if c.name not in skip]


@dataclass
class _MasterData:
    info: dict[str, str]
    codebook: dict[str, Any]
    fields: dict[str, dict[str, Any]]  # by key
    codes: dict[tuple[str, str], dict[str, Any]]  # by (field key, code key)
    revisions: list[dict[str, Any]]
    states: dict[int, dict[str, Any]]
    reviews: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    links: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    coder: dict[str, Any]
    annotations: list[dict[str, Any]]
    statuses: list[dict[str, Any]]
    left_out: int


def _read_master(session: Session, ids: list[int], coder: Coder) -> _MasterData:
    book = active_codebook_row(session)
    assert book is not None
    fields = {f.key: f for f in book.fields}
    field_by_id = {f.id: f for f in book.fields}
    code_by_id = {c.id: (f.key, c) for f in book.fields for c in f.codes}

    def pick(obj: Any, *skip: str) -> dict[str, Any]:
        return {c.name: getattr(obj, c.key) for c in _columns(type(obj), *skip)}

    recommendations: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    left_out = 0
    for chunk in in_chunks(ids):
        recommendations += _rows(
            session,
            select(*_columns(Recommendation)).where(Recommendation.id.in_(chunk)),
        )
        links += _rows(
            session,
            select(*_columns(RecommendationState)).where(
                RecommendationState.recommendation_id.in_(chunk)
            ),
        )
        tags += _rows(
            session,
            select(*_columns(SourceTag, "id"))
            .where(SourceTag.recommendation_id.in_(chunk))
            .order_by(SourceTag.id),
        )
        for row in _rows(
            session,
            select(*_columns(Annotation, "id")).where(
                Annotation.coder_id == coder.id, Annotation.recommendation_id.in_(chunk)
            ),
        ):
            if row["field_id"] not in field_by_id or (
                row["code_id"] is not None and row["code_id"] not in code_by_id
            ):
                left_out += 1  # a field of an earlier codebook: not part of this coding
                continue
            annotations.append(row)
        statuses += _rows(
            session,
            select(*_columns(CodingStatus)).where(
                CodingStatus.coder_id == coder.id, CodingStatus.recommendation_id.in_(chunk)
            ),
        )
    recommendations.sort(key=lambda r: r["id"])
    review_ids = sorted({r["review_id"] for r in recommendations})
    reviews: list[dict[str, Any]] = []
    for chunk in in_chunks(review_ids):
        reviews += _rows(session, select(*_columns(Review)).where(Review.id.in_(chunk)))
    reviews.sort(key=lambda r: r["id"])
    state_ids = sorted({r["state_id"] for r in reviews} | {link["state_id"] for link in links})
    states: dict[int, dict[str, Any]] = {}
    for chunk in in_chunks(state_ids):
        for row in _rows(session, select(*_columns(State)).where(State.id.in_(chunk))):
            states[row["id"]] = row
    # Field and code ids travel as keys: the package's own ids differ.
    for row in annotations:
        row["field_key"] = field_by_id[row["field_id"]].key
        row["code_key"] = code_by_id[row["code_id"]][1].key if row["code_id"] else None
    return _MasterData(
        info={k: v for k, v in session.execute(select(ProjectInfo.key, ProjectInfo.value))},
        codebook=pick(book, "id"),
        fields={key: pick(f, "id", "codebook_id") for key, f in fields.items()},
        codes={
            (fkey, c.key): pick(c, "id", "field_id", "parent_id") for fkey, c in code_by_id.values()
        },
        revisions=[
            pick(r, "id", "codebook_id")
            for r in session.scalars(
                select(CodebookRevision)
                .where(CodebookRevision.codebook_id == book.id)
                .order_by(CodebookRevision.version)
            )
        ],
        states=states,
        reviews=reviews,
        recommendations=recommendations,
        links=links,
        tags=tags,
        coder=pick(coder, "id"),
        annotations=annotations,
        statuses=statuses,
        left_out=left_out,
    )


def _write_package(session: Session, data: _MasterData, marker: Marker) -> None:
    # The codebook init_project stored from the same YAML gets the master's identities
    # and attributes, so that annotations match by uuid when they come back.
    book = session.scalars(select(Codebook)).one()
    for name, value in data.codebook.items():
        setattr(book, name, value)
    for frow in book.fields:
        for name, value in data.fields[frow.key].items():
            setattr(frow, name, value)
        for crow in frow.codes:
            for name, value in data.codes[(frow.key, crow.key)].items():
                setattr(crow, name, value)
    session.flush()
    if data.revisions:
        session.execute(delete(CodebookRevision))
        session.execute(
            insert(CodebookRevision), [{**r, "codebook_id": book.id} for r in data.revisions]
        )
    field_ids = {f.key: f.id for f in book.fields}
    code_ids = {(f.key, c.key): c.id for f in book.fields for c in f.codes}

    for key, value in data.info.items():
        if key == MARKER_KEY:
            continue
        row = session.get(ProjectInfo, key)
        if row is None:
            session.add(ProjectInfo(key=key, value=value))
        else:
            row.value = value
    session.add(ProjectInfo(key=MARKER_KEY, value=marker.to_json()))
    session.flush()

    state_ids = dict(session.execute(select(State.iso3, State.id)).all())
    missing = [s for s in data.states.values() if s["iso3"] not in state_ids]
    if missing:
        session.execute(insert(State), [{k: v for k, v in s.items() if k != "id"} for s in missing])
        state_ids = dict(session.execute(select(State.iso3, State.id)).all())
    state_of = {sid: state_ids[s["iso3"]] for sid, s in data.states.items()}

    review_of = {r["id"]: new for new, r in enumerate(data.reviews, start=1)}
    if data.reviews:
        session.execute(
            insert(Review),
            [
                {**r, "id": review_of[r["id"]], "state_id": state_of[r["state_id"]]}
                for r in data.reviews
            ],
        )
    rec_of = {r["id"]: new for new, r in enumerate(data.recommendations, start=1)}
    if data.recommendations:
        session.execute(
            insert(Recommendation),
            [
                {**r, "id": rec_of[r["id"]], "review_id": review_of[r["review_id"]]}
                for r in data.recommendations
            ],
        )
    if data.links:
        session.execute(
            insert(RecommendationState),
            [
                {
                    **link,
                    "recommendation_id": rec_of[link["recommendation_id"]],
                    "state_id": state_of[link["state_id"]],
                }
                for link in data.links
            ],
        )
    if data.tags:
        session.execute(
            insert(SourceTag),
            [{**t, "recommendation_id": rec_of[t["recommendation_id"]]} for t in data.tags],
        )
    fts.index(session.connection(), list(rec_of.values()))

    session.execute(insert(Coder), [data.coder])
    coder_id = session.scalars(select(Coder.id).where(Coder.uuid == data.coder["uuid"])).one()
    if data.annotations:
        session.execute(
            insert(Annotation),
            [
                {
                    "uuid": a["uuid"],
                    "recommendation_id": rec_of[a["recommendation_id"]],
                    "coder_id": coder_id,
                    "field_id": field_ids[a["field_key"]],
                    "code_id": code_ids[(a["field_key"], a["code_key"])] if a["code_key"] else None,
                    "value": a["value"],
                    "codebook_version": a["codebook_version"],
                    "created_at": a["created_at"],
                    "updated_at": a["updated_at"],
                    "accepted_suggestion": a["accepted_suggestion"],
                }
                for a in data.annotations
            ],
        )
    if data.statuses:
        session.execute(
            insert(CodingStatus),
            [
                {**s, "recommendation_id": rec_of[s["recommendation_id"]], "coder_id": coder_id}
                for s in data.statuses
            ],
        )


def _make_single_file(path: Path) -> None:
    """Fold the write-ahead log into the file: a package must be one file to send."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()


def _package_target(master: Project, out_path: str | Path, *, overwrite: bool) -> Path:
    """Where a package may go: never the master; an existing file only with ``overwrite``."""
    out = Path(out_path).expanduser()
    try:
        check_target(out, protect=[master.path], replace_project=True)
    except OutputRefused as refused:
        raise PackageError(str(refused)) from None
    if out.exists() and not overwrite:
        raise PackageError(f"{out} already exists; choose another name or remove it first.")
    return out


def create_package(
    master: Project,
    coder_name: str,
    out_path: str | Path,
    *,
    assignment: PackageScope = None,
    made_by_id: int | None = None,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
) -> PackageReport:
    """Write the package of one coder to ``out_path``.

    ``assignment``: None or "mine" for the coder's assignment (every recommendation if
    they have none), "all" for every recommendation, or the recommendation ids to give.
    The file is written under a temporary name and renamed at the end, so a failure
    leaves nothing half-made behind.
    """
    report = progress or no_progress
    out = _package_target(master, out_path, overwrite=overwrite)
    made_at = datetime.now(UTC)
    report("Reading the project…", 0, 3)
    with master.session() as session:
        if session.get(ProjectInfo, MARKER_KEY) is not None:
            raise PackageError(
                f"{master.display_name} is itself a coder's package; make packages from "
                "the coordinator's project."
            )
        maker = permissions.require(session, made_by_id, permissions.MAKE_PACKAGES)
        name = clean_name(coder_name)
        coder = find_coder(session, name)
        if coder is None:
            raise PackageError(
                f"There is no coder named '{name}' in this project; add them first "
                "(choose them when opening the app, or in Assign recommendations)."
            )
        book = active_codebook(session)
        if book is None:
            raise PackageError("The project has no codebook, so there is nothing to code.")
        if coder.retired:
            raise PackageError(f"{coder.name} is retired from this project; restore them first.")
        ids, scope = _package_ids(session, coder.id, assignment)
        if not ids:
            raise PackageError("The project has no recommendations to put in a package.")
        made_by = maker.name
        data = _read_master(session, ids, coder)
    marker = Marker(
        package_uuid=new_uuid(),
        coder_uuid=coder.uuid,
        coder_name=coder.name,
        made_at=made_at,
        made_by=made_by,
        codebook_uuid=data.codebook["uuid"],
        codebook_version=data.codebook["version"],
        recommendations=len(ids),
    )
    report(f"Writing the package for {coder.name}…", 1, 3)
    with written_whole(out, database=True) as partial:
        package = init_project(partial, codebook=book)
        try:
            with package.write() as session:
                _write_package(session, data, marker)
        finally:
            package.close()
        report("Finishing the file…", 2, 3)
        _make_single_file(partial)
    report("Done", 3, 3)
    return PackageReport(
        path=out,
        coder=coder.name,
        coder_uuid=coder.uuid,
        package_uuid=marker.package_uuid,
        made_at=made_at,
        recommendations=len(ids),
        annotations=len(data.annotations),
        statuses=len(data.statuses),
        scope=scope,
        left_out=data.left_out,
    )
