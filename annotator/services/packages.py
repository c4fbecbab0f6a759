"""Coder packages: a project file for one coder to code offline, and merging it back.

``create_package`` writes a self-contained project file for one coder: the
recommendations given to them, their reviews and source tags, the codebook in use (same
identities and version, with its YAML), the coder, and that coder's own earlier
annotations and statuses. Nothing of any other coder travels (no annotations, statuses,
consensus or audit events), so blind coding holds across files. The file is made through
the project's own creation path, so it opens in the app like any project.

``merge_preview`` and ``merge`` bring packages back. Each package is read by
``annotator.services.package_files`` (a private copy, read-only, checked before use),
then merged in one transaction with the rest:

- identity travels as UUIDs; a coder's value of one field of one recommendation is the
  unit that is compared, and the later edit wins (``updated_at`` of its annotations, or
  the time of the coder's change in the audit trail, which is how a deletion travels);
  equal times change nothing;
- what the project held before is kept in an audit event (action ``merge``); where both
  sides changed a value since the package was made, the plan calls it a conflict;
- statuses merge the same way (the later wins); time spent is the larger of the two;
- merging the same file twice changes nothing (the merge log knows its SHA-256), and
  merging the same work again from another file changes nothing either; packages of
  different coders touch disjoint values, so their order does not matter.

See docs/packages.md for the reasoning.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from annotator import __version__
from annotator.services import assignments, permissions
from annotator.services.codebook import active_codebook, active_codebook_row
from annotator.services.coders import clean_name, get_or_create_coder
from annotator.services.package_files import (
    MARKER_KEY,
    AnnotationRecord,
    EventValue,
    Marker,
    PackageContents,
    PackageError,
    PackageRefused,
    file_sha256,
    read_package,
    refuse,
)
from annotator.services.projects import init_project
from annotator.store import fts
from annotator.store.backups import make_backup
from annotator.store.ids import new_uuid
from annotator.store.models import (
    Annotation,
    AuditEvent,
    Codebook,
    CodebookRevision,
    Coder,
    CodingStatus,
    MergeLog,
    ProjectInfo,
    Recommendation,
    RecommendationState,
    Review,
    SourceTag,
    State,
)
from annotator.store.project import Project
from annotator.store.safe_write import OutputRefused, check_target, written_whole

__all__ = [
    "MARKER_KEY",
    "CoderPlan",
    "MergeCancelled",
    "MergePlan",
    "PackageError",
    "PackagePlan",
    "PackageRefused",
    "PackageReport",
    "ValueChange",
    "create_package",
    "merge",
    "merge_log",
    "merge_preview",
    "package_marker",
]

ProgressFn = Callable[[str, int, int], None]
PackageScope = Literal["mine", "all"] | Sequence[int] | None

MERGE_ACTION = "merge"
# Fixed, so that the audit events a merge writes get the same identity whichever order
# packages are merged in (and so that a repeated conflict is recorded once).
MERGE_NAMESPACE = uuid.UUID("5b1f4a3e-7c0e-4d5e-9a61-2f7f0c8b9d14")
CHUNK = 500
SHOWN_TEXT = 120


class MergeCancelled(Exception):
    """The coordinator stopped a merge or a package creation; nothing was written."""


def _no_progress(_label: str, _done: int, _total: int) -> None:
    return None


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


# ===================================================================== making packages


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
            f"Package for {self.coder}: {_plural(self.recommendations, 'recommendation')} "
            f"({scope}), {_plural(self.annotations, 'earlier value')}, written to {self.path}"
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
    for chunk in _chunks(wanted):
        known.update(session.scalars(select(Recommendation.id).where(Recommendation.id.in_(chunk))))
    if len(known) != len(wanted):
        raise PackageError(
            f"{_plural(len(wanted) - len(known), 'chosen recommendation')} "
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
    for chunk in _chunks(ids):
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
    for chunk in _chunks(review_ids):
        reviews += _rows(session, select(*_columns(Review)).where(Review.id.in_(chunk)))
    reviews.sort(key=lambda r: r["id"])
    state_ids = sorted({r["state_id"] for r in reviews} | {link["state_id"] for link in links})
    states: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(state_ids):
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
    report = progress or _no_progress
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
        coder = session.scalars(select(Coder).where(Coder.name == name)).first()
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


# ============================================================================ the plan


@dataclass(frozen=True)
class ValueChange:
    """One coder's value of one field of one recommendation that a merge changes, or in
    which the coder's work in the package loses to a later edit in the project."""

    coder: str
    recommendation_id: int
    recommendation: str
    field: str
    before: str  # what the project holds now
    after: str  # what the package holds
    kind: str  # "added", "changed", "removed"
    winner: str  # "package" or "project"
    conflict: bool  # both changed it since the package was made

    def sentence(self) -> str:
        verdict = (
            "the package's value wins (later)"
            if self.winner == "package"
            else "the project's value stays (later)"
        )
        what = f"{self.recommendation}, {self.field}: project {self.before} / package {self.after}"
        return f"conflict: {what}; {verdict}" if self.conflict else f"{self.kind}: {what}"


COUNT_NAMES = (
    "added",
    "changed",
    "removed",
    "conflicts",
    "conflicts_kept_project",
    "statuses_added",
    "statuses_changed",
    "status_conflicts",
    "time_updated",
    "events_copied",
)


@dataclass
class PackagePlan:
    """What merging one package does (or did)."""

    path: Path
    sha256: str
    coder: str
    coder_uuid: uuid.UUID
    package_uuid: uuid.UUID
    made_at: datetime
    recommendations: int
    already_merged_at: datetime | None = None
    coder_added: bool = False
    claimed_role: str | None = None  # the role the package gave an added coder (not granted)
    added: int = 0
    changed: int = 0
    removed: int = 0
    conflicts: int = 0
    conflicts_kept_project: int = 0
    unchanged: int = 0
    statuses_added: int = 0
    statuses_changed: int = 0
    status_conflicts: int = 0
    time_updated: int = 0
    events_copied: int = 0
    changes: list[ValueChange] = field(default_factory=list)
    retired: dict[str, int] = field(default_factory=dict)  # "Field: code" -> values
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_NAMES}

    @property
    def writes_anything(self) -> bool:
        if self.already_merged_at is not None:
            return False
        values = self.added + self.changed + self.removed
        statuses = self.statuses_added + self.statuses_changed + self.time_updated
        return bool(values or statuses or self.events_copied or self.coder_added)

    def added_coder_sentence(self) -> str:
        sentence = f"{self.coder} is added to the project as a coder"
        if self.claimed_role not in (None, "coder"):
            sentence += (
                f" (the package says {self.claimed_role}; a package cannot give a role, "
                "a coordinator can)"
            )
        return sentence

    def summary(self, *, applied: bool = False) -> str:
        if self.already_merged_at is not None:
            return f"already merged on {self.already_merged_at:%Y-%m-%d %H:%M} UTC; nothing to do"
        verbs = ("added", "changed", "removed") if applied else ("to add", "to change", "to remove")
        parts = [
            f"{self.added} {verbs[0]}",
            f"{self.changed} {verbs[1]}",
            f"{self.removed} {verbs[2]}",
            _plural(self.conflicts, "conflict"),
        ]
        status = f"statuses: {self.statuses_added} new, {self.statuses_changed} changed"
        if self.time_updated:
            status += f", time spent updated on {self.time_updated}"
        return "values: " + ", ".join(parts) + "; " + status


@dataclass
class CoderPlan:
    """Everything a merge brings in for one coder, over their packages."""

    coder: str
    coder_uuid: uuid.UUID
    packages: list[PackagePlan]

    def total(self, name: str) -> int:
        return sum(getattr(p, name) for p in self.packages)

    @property
    def added(self) -> int:
        return self.total("added")

    @property
    def changed(self) -> int:
        return self.total("changed")

    @property
    def removed(self) -> int:
        return self.total("removed")

    @property
    def conflicts(self) -> int:
        return self.total("conflicts")

    @property
    def changes(self) -> list[ValueChange]:
        return [c for p in self.packages for c in p.changes]

    @property
    def retired(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.packages:
            for key, count in p.retired.items():
                out[key] = out.get(key, 0) + count
        return out

    @property
    def warnings(self) -> list[str]:
        return [w for p in self.packages for w in p.warnings]


@dataclass
class MergePlan:
    """What a merge of some packages does, per package and per coder."""

    packages: list[PackagePlan]
    applied: bool = False
    backup: Path | None = None

    @property
    def coders(self) -> list[CoderPlan]:
        by: dict[uuid.UUID, CoderPlan] = {}
        for plan in self.packages:
            by.setdefault(
                plan.coder_uuid, CoderPlan(plan.coder, plan.coder_uuid, [])
            ).packages.append(plan)
        return sorted(by.values(), key=lambda c: c.coder.casefold())

    @property
    def writes_anything(self) -> bool:
        return any(p.writes_anything for p in self.packages)

    def lines(self, *, details: int = 50) -> list[str]:
        """The plan as a person reads it: per coder, per package, conflicts first."""
        out: list[str] = []
        for coder in self.coders:
            out.append(f"{coder.coder}: {_plural(len(coder.packages), 'package')}")
            for plan in coder.packages:
                made = f"made {plan.made_at:%Y-%m-%d %H:%M} UTC"
                out.append(
                    f"  {plan.name} ({made}, {_plural(plan.recommendations, 'recommendation')})"
                )
                out.append(f"    {plan.summary(applied=self.applied)}")
                if plan.coder_added:
                    out.append(f"    {plan.added_coder_sentence()}")
                shown = sorted(plan.changes, key=lambda c: not c.conflict)
                for change in shown[:details]:
                    out.append(f"    {change.sentence()}")
                if len(shown) > details:
                    out.append(f"    … and {len(shown) - details} more")
                for key, count in sorted(plan.retired.items()):
                    out.append(
                        f"    retired code kept: {key} ({_plural(count, 'value')}); "
                        "the project's codebook retired it"
                    )
                for warning in plan.warnings:
                    out.append(f"    note: {warning}")
        return out


# ========================================================================= merging


@dataclass(frozen=True)
class _FieldMap:
    id: int
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class _CodeMap:
    id: int
    field_id: int
    key: str
    label: str
    retired: bool


@dataclass
class _Codebook:
    fields: dict[uuid.UUID, _FieldMap]  # package field uuid -> the project's field
    codes: dict[uuid.UUID, _CodeMap]  # code uuid -> the project's code
    code_by_id: dict[int, tuple[uuid.UUID, _CodeMap]]


@dataclass(frozen=True)
class _Row:
    """An annotation as the project will hold it: ids of the project, uuid of the record."""

    id: int | None
    uuid: uuid.UUID
    code_id: int | None
    value: str | None
    codebook_version: int
    created_at: datetime
    updated_at: datetime


def merge_preview(
    master: Project,
    package_paths: Sequence[str | Path],
    *,
    add_coders: bool = False,
    by_coder_id: int | None = None,
    progress: ProgressFn | None = None,
) -> MergePlan:
    """What ``merge`` would do, computed by doing it and rolling it back (so the preview
    cannot differ from the merge). Refusals are raised exactly as ``merge`` raises them;
    ``by_coder_id`` is who asks (a coordinator: the preview shows every coder's work)."""
    return _run(
        master,
        package_paths,
        apply=False,
        by_coder_id=by_coder_id,
        add_coders=add_coders,
        preview=None,
        progress=progress,
    )


def merge(
    master: Project,
    package_paths: Sequence[str | Path],
    *,
    by_coder_id: int | None = None,
    add_coders: bool = False,
    preview: MergePlan | None = None,
    progress: ProgressFn | None = None,
) -> MergePlan:
    """Merge the packages into ``master`` in one transaction; any refusal writes nothing.

    ``by_coder_id`` is who merges (recorded in the log and the audit trail);
    ``add_coders`` adds a package's coder whom the project does not have yet (else the
    package is refused); with ``preview``, a package whose file changed since that
    preview is refused.
    """
    return _run(
        master,
        package_paths,
        apply=True,
        by_coder_id=by_coder_id,
        add_coders=add_coders,
        preview=preview,
        progress=progress,
    )


def _run(
    master: Project,
    package_paths: Sequence[str | Path],
    *,
    apply: bool,
    by_coder_id: int | None,
    add_coders: bool,
    preview: MergePlan | None,
    progress: ProgressFn | None,
) -> MergePlan:
    report = progress or _no_progress
    with master.session() as session:  # who asks is settled before any file is read
        if session.get(ProjectInfo, MARKER_KEY) is not None:
            raise PackageError(
                f"{master.display_name} is itself a coder's package; merge packages into "
                "the coordinator's project."
            )
        permissions.require(session, by_coder_id, permissions.MERGE)
    paths = [Path(p).expanduser() for p in package_paths]
    if not paths:
        raise PackageError("Choose at least one package to merge.")
    steps = 2 * len(paths) + 1
    contents: list[PackageContents] = []
    for done, path in enumerate(paths):
        report(f"Checking {path.name}…", done, steps)
        contents.append(read_package(path))
    if preview is not None:
        seen = {p.path: p.sha256 for p in preview.packages}
        for package in contents:
            if seen.get(package.path, package.sha256) != package.sha256:
                raise refuse(
                    package.path,
                    "the file changed after the preview was made; preview the merge again",
                )
    now = datetime.now(UTC)
    plans: list[PackagePlan] = []
    backup: Path | None = None
    with master.write() as session:
        _one_merge_at_a_time(session)
        if session.get(ProjectInfo, MARKER_KEY) is not None:
            raise PackageError(
                f"{master.display_name} is itself a coder's package; merge packages into "
                "the coordinator's project."
            )
        permissions.require(session, by_coder_id, permissions.MERGE)
        for done, package in enumerate(contents, start=len(paths)):
            report(f"Merging {package.name}…", done, steps)
            plans.append(_merge_one(session, package, now, by_coder_id, add_coders))
        plan = MergePlan(plans, applied=False)
        if not apply:
            session.rollback()
            return plan
        report("Saving…", steps - 1, steps)
        if plan.writes_anything and master.path is not None:
            # The committed state, read beside this open transaction: the project as it
            # was before the merge, in case the coordinator wants it back.
            backup = make_backup(master.path, "before-merge")
    report("Done", steps, steps)
    return MergePlan(plans, applied=True, backup=backup)


# The key of the PostgreSQL advisory lock merges take: any 64-bit number the app owns.
MERGE_LOCK_KEY = 0x5550_5243_4D52_4745  # "UPRCMRGE"


def _one_merge_at_a_time(session: Session) -> None:
    """Make a second merge wait until the first has committed, so it then finds the
    package in the merge log and merges nothing twice. SQLite's BEGIN IMMEDIATE already
    does this; PostgreSQL's READ COMMITTED would let both read an empty log, so merges
    take a transaction-scoped advisory lock (released at commit or rollback)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MERGE_LOCK_KEY})


def _merge_one(
    session: Session,
    package: PackageContents,
    now: datetime,
    by_coder_id: int | None,
    add_coders: bool,
) -> PackagePlan:
    marker = package.marker
    plan = PackagePlan(
        path=package.path,
        sha256=package.sha256,
        coder=marker.coder_name,
        coder_uuid=marker.coder_uuid,
        package_uuid=marker.package_uuid,
        made_at=marker.made_at,
        recommendations=len(package.recommendations),
    )
    project_uuid = session.get(ProjectInfo, "project_uuid")
    if project_uuid is None or project_uuid.value != package.project_uuid:
        raise refuse(
            package.path,
            "it comes from another project; a package can only be merged into the project "
            "it was made from",
        )
    merged_at = session.scalars(
        select(MergeLog.merged_at)
        .where(MergeLog.package_sha256 == package.sha256)
        .order_by(MergeLog.id)
        .limit(1)
    ).first()
    if merged_at is not None:
        plan.already_merged_at = merged_at
        return plan
    book = _map_codebook(session, package, plan)
    coder = _master_coder(session, package, plan, add_coders)
    plan.coder = coder.name
    recs = _master_recommendations(session, package.recommendations)
    missing = len(package.recommendations) - len(recs)
    if missing:
        plan.warnings.append(
            f"{_plural(missing, 'recommendation')} of the package "
            f"{'is' if missing == 1 else 'are'} no longer in the project; the coder's "
            "codes on them are not merged."
        )
    strangers = sorted(
        {
            package.coders[a.coder_uuid].name
            for a in [*package.annotations, *package.statuses]
            if a.coder_uuid != marker.coder_uuid
        }
    )
    if strangers:
        raise refuse(
            package.path,
            f"it is the package of {marker.coder_name}, but it holds work recorded under "
            f"{', '.join(strangers)}. A package brings back only its own coder's work: "
            f"{', '.join(strangers)} must code in their own package, and the work "
            f"{marker.coder_name} does in this one must be recorded under "
            f"{marker.coder_name} (UPR Coder now opens a package as its coder)",
        )
    _merge_values(session, package, plan, coder, recs, book, now, by_coder_id)
    _merge_statuses(session, package, plan, coder, recs, now, by_coder_id)
    _copy_events(session, package, plan, coder, recs, book)
    _label_changes(session, plan)
    session.add(
        MergeLog(
            merged_at=now,
            merged_by_id=by_coder_id,
            coder_id=coder.id,
            coder_uuid=coder.uuid,
            coder_name=coder.name,
            package_name=package.name[:255],
            package_sha256=package.sha256,
            package_uuid=marker.package_uuid,
            package_made_at=marker.made_at,
            counts=json.dumps(
                {**plan.counts, "coder_added": plan.coder_added, "app_version": __version__}
            ),
        )
    )
    session.flush()
    return plan


def _map_codebook(session: Session, package: PackageContents, plan: PackagePlan) -> _Codebook:
    book = active_codebook_row(session)
    theirs = package.codebook
    if book is None:
        raise refuse(package.path, "the project has no codebook to merge codes into")
    if book.uuid != theirs.uuid:
        raise refuse(
            package.path,
            f"it was made with another codebook ('{theirs.name}', version {theirs.version}) "
            f"than the one the project uses ('{book.name}', version {book.version})",
        )
    if theirs.version > book.version:
        raise refuse(
            package.path,
            f"its codebook (version {theirs.version}) is newer than the project's "
            f"(version {book.version}); codebook changes are made in the coordinator's "
            "project, not in a package",
        )
    fields = {f.uuid: f for f in book.fields}
    codes = {c.uuid: (f, c) for f in book.fields for c in f.codes}
    used_fields = {a.field_uuid for a in package.annotations}
    used_codes = {a.code_uuid for a in package.annotations if a.code_uuid is not None}
    mapped = _Codebook({}, {}, {})
    for fuuid, info in theirs.fields.items():
        mine = fields.get(fuuid)
        if mine is None or mine.kind != info.kind:
            if fuuid in used_fields:
                raise refuse(
                    package.path,
                    f"its codes of field '{info.label}' have no place in the project's "
                    f"codebook (version {book.version}), which "
                    + ("no longer has that field" if mine is None else "changed its kind"),
                )
            continue
        mapped.fields[fuuid] = _FieldMap(mine.id, mine.key, mine.label, mine.kind)
    for cuuid, info in theirs.codes.items():
        found = codes.get(cuuid)
        if found is None or found[0].uuid != info.field_uuid:
            if cuuid in used_codes:
                raise refuse(
                    package.path,
                    f"it uses code '{info.label}', which the project's codebook (version "
                    f"{book.version}) no longer has",
                )
            continue
        frow, crow = found
        mapped.codes[cuuid] = _CodeMap(crow.id, frow.id, crow.key, crow.label, crow.retired)
    for frow in book.fields:
        for crow in frow.codes:
            mapped.code_by_id[crow.id] = (
                crow.uuid,
                _CodeMap(crow.id, frow.id, crow.key, crow.label, crow.retired),
            )
    if theirs.version < book.version:
        plan.warnings.append(
            f"The package was made with version {theirs.version} of the codebook; the "
            f"project now has version {book.version}. Codes are matched by identity, so "
            "renamed codes keep their meaning; codes retired since are kept and flagged."
        )
    return mapped


def _master_coder(
    session: Session, package: PackageContents, plan: PackagePlan, add_coders: bool
) -> Coder:
    marker = package.marker
    coder = session.scalars(select(Coder).where(Coder.uuid == marker.coder_uuid)).first()
    if coder is not None:
        return coder
    info = package.coders[marker.coder_uuid]
    if not add_coders:
        raise PackageRefused(
            f"{package.path} is the package of {info.name}, a coder this project does not "
            "have. Add the coder first: merge again with --add-coders (in the app: tick "
            "'Add coders the project does not have yet'). Nothing was merged; the project "
            "is unchanged."
        )
    if session.scalars(select(Coder.id).where(Coder.name == info.name)).first() is not None:
        raise refuse(
            package.path,
            f"it is the package of a coder named {info.name}, but the project's coder of "
            "that name is someone else (they were added separately); rename one of them "
            "first",
        )
    # A package cannot grant a role: whatever it claims, its coder joins as a plain coder
    # (a coordinator can give them another role afterwards).
    coder = Coder(uuid=info.uuid, name=info.name, role="coder", created_at=info.created_at)
    session.add(coder)
    session.flush()
    plan.coder_added = True
    plan.claimed_role = info.role
    return coder


def _master_recommendations(session: Session, uuids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    wanted = sorted(uuids)
    out: dict[uuid.UUID, int] = {}
    for chunk in _chunks(wanted):
        out.update(
            session.execute(
                select(Recommendation.uuid, Recommendation.id).where(Recommendation.uuid.in_(chunk))
            ).all()
        )
    return out


def _master_change_times(
    session: Session, coder: Coder, rec_ids: Sequence[int]
) -> dict[tuple[int, int], datetime]:
    """When the project last changed each of the coder's values, from its audit trail.

    A deleted value leaves no annotation, only the audit event of its deletion, so row
    times alone would let an old package bring a deleted value back. Merge events are not
    counted: a merge copies the package's own change events, with their times.
    """
    out: dict[tuple[int, int], datetime] = {}

    def note(rid: int, fid: Any, at: datetime) -> None:
        known = isinstance(fid, int) and not isinstance(fid, bool)
        if known and ((rid, fid) not in out or out[(rid, fid)] < at):
            out[(rid, fid)] = at

    for chunk in _chunks(list(rec_ids)):
        for at, rid, before, after in session.execute(
            select(
                AuditEvent.at, AuditEvent.recommendation_id, AuditEvent.before, AuditEvent.after
            ).where(
                AuditEvent.action == "annotate",
                AuditEvent.coder_id == coder.id,
                AuditEvent.recommendation_id.in_(chunk),
            )
        ):
            data = _json(after) or _json(before)
            note(rid, data.get("field_id"), at)
        # Merging or un-merging codes in the codebook editor moves annotations too.
        for at, rid, before, after in session.execute(
            select(
                AuditEvent.at, AuditEvent.recommendation_id, AuditEvent.before, AuditEvent.after
            ).where(
                AuditEvent.action.in_(("code_merge", "code_merge_undo")),
                AuditEvent.entity == "annotation",
                AuditEvent.recommendation_id.in_(chunk),
            )
        ):
            data = _json(before) or _json(after)
            if data.get("coder_id") == coder.id:
                note(rid, data.get("field_id"), at)
    return out


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _merge_values(
    session: Session,
    package: PackageContents,
    plan: PackagePlan,
    coder: Coder,
    recs: dict[uuid.UUID, int],
    book: _Codebook,
    now: datetime,
    by_coder_id: int | None,
) -> None:
    marker = package.marker
    made_at = marker.made_at
    theirs: dict[tuple[uuid.UUID, uuid.UUID], list[AnnotationRecord]] = {}
    for a in package.annotations:
        if a.coder_uuid == marker.coder_uuid and a.recommendation_uuid in recs:
            theirs.setdefault((a.recommendation_uuid, a.field_uuid), []).append(a)
    their_times: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}
    for a in package.annotations:
        key = (a.recommendation_uuid, a.field_uuid)
        if key in theirs:
            their_times[key] = max(their_times.get(key, a.updated_at), a.updated_at)
    for e in package.events:
        if e.action != "annotate" or e.coder_uuid != marker.coder_uuid:
            continue
        if e.recommendation_uuid not in recs or e.field_uuid is None:
            continue
        key = (e.recommendation_uuid, e.field_uuid)
        their_times[key] = max(their_times.get(key, e.at), e.at)

    rec_ids = sorted(recs.values())
    mine: dict[tuple[int, int], list[_Row]] = {}
    for chunk in _chunks(rec_ids):
        for row in session.execute(
            select(
                Annotation.id,
                Annotation.uuid,
                Annotation.recommendation_id,
                Annotation.field_id,
                Annotation.code_id,
                Annotation.value,
                Annotation.codebook_version,
                Annotation.created_at,
                Annotation.updated_at,
            ).where(Annotation.coder_id == coder.id, Annotation.recommendation_id.in_(chunk))
        ):
            mine.setdefault((row.recommendation_id, row.field_id), []).append(
                _Row(
                    row.id,
                    row.uuid,
                    row.code_id,
                    row.value,
                    row.codebook_version,
                    row.created_at,
                    row.updated_at,
                )
            )
    my_times = _master_change_times(session, coder, rec_ids)

    deletes: list[int] = []
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for key in sorted(their_times, key=lambda k: (recs[k[0]], str(k[1]))):
        rec_uuid, field_uuid = key
        fmap = book.fields.get(field_uuid)
        if fmap is None:
            continue
        rid = recs[rec_uuid]
        t_pkg = their_times[key]
        incoming = [
            _Row(
                None,
                a.uuid,
                book.codes[a.code_uuid].id if a.code_uuid is not None else None,
                a.value,
                a.codebook_version,
                a.created_at,
                a.updated_at,
            )
            for a in theirs.get(key, [])
        ]
        present = mine.get((rid, fmap.id), [])
        t_mine = max(
            [r.updated_at for r in present]
            + ([my_times[(rid, fmap.id)]] if (rid, fmap.id) in my_times else []),
            default=None,
        )
        new_value = _value(incoming)
        old_value = _value(present)
        if new_value == old_value:
            plan.unchanged += 1
            continue
        conflict = t_pkg > made_at and t_mine is not None and t_mine > made_at
        wins = t_mine is None or t_pkg > t_mine
        kind = "added" if _empty(old_value) else "removed" if _empty(new_value) else "changed"
        before_json = _value_json(fmap, old_value, book)
        after_json = _value_json(fmap, new_value, book)
        common = {
            "coder": coder.name,
            "coder_uuid": str(coder.uuid),
            "package": package.name,
            "package_sha256": package.sha256,
            "conflict": conflict,
        }
        if wins:
            setattr(plan, kind, getattr(plan, kind) + 1)
            plan.conflicts += conflict
            for code_id in new_value[0]:
                code = book.code_by_id[code_id][1]
                if code.retired:
                    label = f"{fmap.label}: {code.label}"
                    plan.retired[label] = plan.retired.get(label, 0) + 1
            _replace(present, incoming, deletes, updates, inserts, rid, coder.id, fmap.id)
            events.append(
                {
                    "uuid": uuid.uuid5(
                        MERGE_NAMESPACE,
                        f"value|{package.sha256}|{coder.uuid}|{rec_uuid}|{field_uuid}",
                    ),
                    "before": json.dumps(before_json, ensure_ascii=False),
                    "after": json.dumps(
                        {**after_json, **common, "outcome": "package"}, ensure_ascii=False
                    ),
                    "recommendation_id": rid,
                    "entity": "annotation",
                    "fresh_on_clash": True,
                }
            )
        elif conflict:
            plan.conflicts += 1
            plan.conflicts_kept_project += 1
            # The package's value loses, but is kept in the audit trail, once.
            events.append(
                {
                    "uuid": uuid.uuid5(
                        MERGE_NAMESPACE,
                        f"kept|{coder.uuid}|{rec_uuid}|{field_uuid}|"
                        f"{t_pkg.isoformat()}|{t_mine.isoformat() if t_mine else ''}",
                    ),
                    "before": json.dumps(before_json, ensure_ascii=False),
                    "after": json.dumps(
                        {
                            **before_json,
                            **common,
                            "outcome": "project",
                            "package_value": after_json,
                        },
                        ensure_ascii=False,
                    ),
                    "recommendation_id": rid,
                    "entity": "annotation",
                    "fresh_on_clash": False,
                }
            )
        else:
            continue
        plan.changes.append(
            ValueChange(
                coder=coder.name,
                recommendation_id=rid,
                recommendation="",
                field=fmap.label,
                before=_shown(old_value, book),
                after=_shown(new_value, book),
                kind=kind,
                winner="package" if wins else "project",
                conflict=conflict,
            )
        )

    for chunk in _chunks(deletes):
        session.execute(delete(Annotation).where(Annotation.id.in_(chunk)))
    if updates:
        table = Annotation.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                value=bindparam("new_value"),
                codebook_version=bindparam("new_version"),
                created_at=bindparam("new_created"),
                updated_at=bindparam("new_updated"),
            ),
            updates,
        )
    if inserts:
        taken: set[uuid.UUID] = set()
        for chunk in _chunks([i["uuid"] for i in inserts]):
            taken.update(session.scalars(select(Annotation.uuid).where(Annotation.uuid.in_(chunk))))
        for row in inserts:
            if row["uuid"] in taken:
                # The identity is in use by another record of the project (a crafted or
                # re-used uuid): never overwrite that one; derive a stable new identity.
                row["uuid"] = uuid.uuid5(
                    MERGE_NAMESPACE,
                    f"annotation|{row['uuid']}|{row['recommendation_id']}|{row['field_id']}|"
                    f"{row['code_id']}|{coder.uuid}",
                )
        session.execute(insert(Annotation), inserts)
    _write_events(session, events, now, by_coder_id)


def _value(rows: Sequence[_Row]) -> tuple[frozenset[int], str | None]:
    codes = frozenset(r.code_id for r in rows if r.code_id is not None)
    texts = [r.value for r in rows if r.code_id is None and r.value is not None]
    return codes, (texts[0] if texts else None)


def _empty(value: tuple[frozenset[int], str | None]) -> bool:
    return not value[0] and not value[1]


def _value_json(
    fmap: _FieldMap, value: tuple[frozenset[int], str | None], book: _Codebook
) -> dict[str, Any]:
    keys = sorted(book.code_by_id[c][1].key for c in value[0])
    return {"field_id": fmap.id, "codes": keys, "text": value[1]}


def _shown(value: tuple[frozenset[int], str | None], book: _Codebook) -> str:
    if value[0]:
        return ", ".join(sorted(book.code_by_id[c][1].label for c in value[0]))
    if value[1]:
        text = " ".join(value[1].split())
        return f'"{text[:SHOWN_TEXT]}…"' if len(text) > SHOWN_TEXT else f'"{text}"'
    return "(nothing)"


def _replace(
    present: Sequence[_Row],
    incoming: Sequence[_Row],
    deletes: list[int],
    updates: list[dict[str, Any]],
    inserts: list[dict[str, Any]],
    rid: int,
    coder_id: int,
    field_id: int,
) -> None:
    """Make the project's rows of one value those of the package: the same record (uuid
    and code) is updated in place, others are removed or added."""
    by_uuid = {r.uuid: r for r in present}
    kept: set[int] = set()
    for row in incoming:
        old = by_uuid.get(row.uuid)
        if old is not None and old.code_id == row.code_id:
            assert old.id is not None
            kept.add(old.id)
            if (old.value, old.codebook_version, old.created_at, old.updated_at) != (
                row.value,
                row.codebook_version,
                row.created_at,
                row.updated_at,
            ):
                updates.append(
                    {
                        "row_id": old.id,
                        "new_value": row.value,
                        "new_version": row.codebook_version,
                        "new_created": row.created_at,
                        "new_updated": row.updated_at,
                    }
                )
            continue
        inserts.append(
            {
                "uuid": row.uuid,
                "recommendation_id": rid,
                "coder_id": coder_id,
                "field_id": field_id,
                "code_id": row.code_id,
                "value": row.value,
                "codebook_version": row.codebook_version,
                "created_at": row.created_at,
                "updated_at": row.updated_at,
            }
        )
    deletes.extend(r.id for r in present if r.id is not None and r.id not in kept)


def _write_events(
    session: Session, events: list[dict[str, Any]], now: datetime, by_coder_id: int | None
) -> None:
    if not events:
        return
    taken: set[uuid.UUID] = set()
    for chunk in _chunks([e["uuid"] for e in events]):
        taken.update(session.scalars(select(AuditEvent.uuid).where(AuditEvent.uuid.in_(chunk))))
    rows = []
    for event in events:
        fresh = event.pop("fresh_on_clash")
        if event["uuid"] in taken:
            if not fresh:
                continue  # this loss is already on record
            event["uuid"] = new_uuid()
        rows.append({**event, "at": now, "coder_id": by_coder_id, "action": MERGE_ACTION})
    if rows:
        session.execute(insert(AuditEvent), rows)


def _merge_statuses(
    session: Session,
    package: PackageContents,
    plan: PackagePlan,
    coder: Coder,
    recs: dict[uuid.UUID, int],
    now: datetime,
    by_coder_id: int | None,
) -> None:
    marker = package.marker
    theirs = {
        recs[s.recommendation_uuid]: s
        for s in package.statuses
        if s.coder_uuid == marker.coder_uuid and s.recommendation_uuid in recs
    }
    if not theirs:
        return
    mine: dict[int, Any] = {}
    for chunk in _chunks(sorted(theirs)):
        for row in session.execute(
            select(
                CodingStatus.recommendation_id,
                CodingStatus.status,
                CodingStatus.flag_reason,
                CodingStatus.seconds_spent,
                CodingStatus.updated_at,
            ).where(CodingStatus.coder_id == coder.id, CodingStatus.recommendation_id.in_(chunk))
        ):
            mine[row.recommendation_id] = row
    # When each side last changed the status: the time spent is added without an audit
    # event but moves ``updated_at``, so merely reading a recommendation again must not
    # count as a later edit of its status.
    their_times: dict[int, datetime] = {}
    for event in package.events:
        if event.action == "status" and event.coder_uuid == marker.coder_uuid:
            rid = recs.get(event.recommendation_uuid)
            if rid is not None:
                their_times[rid] = max(their_times.get(rid, event.at), event.at)
    my_times: dict[int, datetime] = {}
    for chunk in _chunks(sorted(theirs)):
        my_times.update(
            session.execute(
                select(AuditEvent.recommendation_id, func.max(AuditEvent.at))
                .where(
                    AuditEvent.action == "status",
                    AuditEvent.coder_id == coder.id,
                    AuditEvent.recommendation_id.in_(chunk),
                )
                .group_by(AuditEvent.recommendation_id)
            ).all()
        )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    common = {
        "coder": coder.name,
        "coder_uuid": str(coder.uuid),
        "package": package.name,
        "package_sha256": package.sha256,
    }
    for rid in sorted(theirs):
        new = theirs[rid]
        old = mine.get(rid)
        if old is None:
            plan.statuses_added += 1
            inserts.append(
                {
                    "recommendation_id": rid,
                    "coder_id": coder.id,
                    "status": new.status,
                    "flag_reason": new.flag_reason,
                    "seconds_spent": new.seconds_spent,
                    "updated_at": new.updated_at,
                }
            )
            continue
        # Time spent only grows; the larger figure loses no time recorded on either side.
        seconds = max(old.seconds_spent, new.seconds_spent)
        same = (old.status, old.flag_reason) == (new.status, new.flag_reason)
        t_new = their_times.get(rid, new.updated_at)
        t_old = my_times.get(rid, old.updated_at)
        conflict = not same and t_new > marker.made_at and t_old > marker.made_at
        before = {"status": old.status, "reason": old.flag_reason}
        after = {"status": new.status, "reason": new.flag_reason}
        if not same and t_new > t_old:
            plan.statuses_changed += 1
            plan.status_conflicts += conflict
            updates.append(
                {
                    "rid": rid,
                    "new_status": new.status,
                    "new_reason": new.flag_reason,
                    "new_seconds": seconds,
                    "new_updated": new.updated_at,
                }
            )
            events.append(
                {
                    "uuid": uuid.uuid5(
                        MERGE_NAMESPACE, f"status|{package.sha256}|{coder.uuid}|{rid}"
                    ),
                    "before": json.dumps(before, ensure_ascii=False),
                    "after": json.dumps(
                        {**after, **common, "conflict": conflict, "outcome": "package"},
                        ensure_ascii=False,
                    ),
                    "recommendation_id": rid,
                    "entity": "coding_status",
                    "fresh_on_clash": True,
                }
            )
            continue
        if conflict:
            plan.status_conflicts += 1
            events.append(
                {
                    "uuid": uuid.uuid5(
                        MERGE_NAMESPACE,
                        f"kept-status|{coder.uuid}|{new.recommendation_uuid}|"
                        f"{t_new.isoformat()}|{t_old.isoformat()}",
                    ),
                    "before": json.dumps(before, ensure_ascii=False),
                    "after": json.dumps(
                        {
                            **before,
                            **common,
                            "conflict": True,
                            "outcome": "project",
                            "package_value": after,
                        },
                        ensure_ascii=False,
                    ),
                    "recommendation_id": rid,
                    "entity": "coding_status",
                    "fresh_on_clash": False,
                }
            )
        if seconds != old.seconds_spent:
            plan.time_updated += 1
            updates.append(
                {
                    "rid": rid,
                    "new_status": old.status,
                    "new_reason": old.flag_reason,
                    "new_seconds": seconds,
                    "new_updated": old.updated_at,  # explicit: no automatic "now"
                }
            )
    if inserts:
        session.execute(insert(CodingStatus), inserts)
    if updates:
        table = CodingStatus.__table__
        session.execute(
            update(table)
            .where(table.c.recommendation_id == bindparam("rid"), table.c.coder_id == coder.id)
            .values(
                status=bindparam("new_status"),
                flag_reason=bindparam("new_reason"),
                seconds_spent=bindparam("new_seconds"),
                updated_at=bindparam("new_updated"),
            ),
            updates,
        )
    _write_events(session, events, now, by_coder_id)


def _copy_events(
    session: Session,
    package: PackageContents,
    plan: PackagePlan,
    coder: Coder,
    recs: dict[uuid.UUID, int],
    book: _Codebook,
) -> None:
    """Bring the coder's own change history into the project's audit trail.

    Besides keeping the record of what the coder did offline, it keeps the times of
    their deletions, which a later package of the same coder is compared with.
    """
    theirs = package.codebook.codes
    wanted = [
        e
        for e in package.events
        if e.coder_uuid == package.marker.coder_uuid and e.recommendation_uuid in recs
    ]
    if not wanted:
        return
    taken: set[uuid.UUID] = set()
    for chunk in _chunks([e.uuid for e in wanted]):
        taken.update(session.scalars(select(AuditEvent.uuid).where(AuditEvent.uuid.in_(chunk))))

    def keys(codes: frozenset[uuid.UUID]) -> list[str]:
        # A code the project deleted since keeps the key the package knew it by.
        return sorted(book.codes[c].key if c in book.codes else theirs[c].key for c in codes)

    def shown(value: EventValue | tuple[str, str | None], fmap: _FieldMap | None) -> str:
        if isinstance(value, EventValue):
            assert fmap is not None
            data = {"field_id": fmap.id, "codes": keys(value.codes), "text": value.text}
        else:
            data = {"status": value[0], "reason": value[1]}
        return json.dumps(data, ensure_ascii=False)

    rows = []
    for event in wanted:
        if event.uuid in taken:
            continue
        fmap = book.fields.get(event.field_uuid) if event.field_uuid else None
        if event.action == "annotate" and fmap is None:
            continue
        before, after = shown(event.before, fmap), shown(event.after, fmap)
        rows.append(
            {
                "uuid": event.uuid,
                "at": event.at,
                "coder_id": coder.id,
                "action": event.action,
                "entity": event.entity,
                "recommendation_id": recs[event.recommendation_uuid],
                "before": before,
                "after": after,
            }
        )
    if rows:
        session.execute(insert(AuditEvent), rows)
    plan.events_copied = len(rows)


def _label_changes(session: Session, plan: PackagePlan) -> None:
    if not plan.changes:
        return
    ids = sorted({c.recommendation_id for c in plan.changes})
    labels: dict[int, str] = {}
    order: dict[int, tuple[str, int, str]] = {}
    for chunk in _chunks(ids):
        for rid, number, key, state, cycle in session.execute(
            select(
                Recommendation.id,
                Recommendation.number,
                Recommendation.sort_key,
                State.name,
                Review.cycle,
            )
            .join(Review, Recommendation.review_id == Review.id)
            .join(State, Review.state_id == State.id)
            .where(Recommendation.id.in_(chunk))
        ):
            labels[rid] = f"{state}, cycle {cycle}, {number or 'unnumbered'}"
            order[rid] = (state, cycle, key)
    # In reading order (28.2 before 28.10), as the coordinator checks them.
    plan.changes = sorted(
        (
            dataclasses.replace(c, recommendation=labels.get(c.recommendation_id, "?"))
            for c in plan.changes
        ),
        key=lambda c: (order.get(c.recommendation_id, ("", 0, "")), c.field),
    )


# ======================================================================== the log


@dataclass(frozen=True)
class MergeLogEntry:
    merged_at: datetime
    merged_by: str | None
    coder: str
    package_name: str
    package_sha256: str
    package_made_at: datetime
    counts: dict[str, Any]


def merge_log(project: Project) -> list[MergeLogEntry]:
    """Every merge of a package into the project, oldest first."""
    with project.session() as session:
        names = dict(session.execute(select(Coder.id, Coder.name)).all())
        return [
            MergeLogEntry(
                merged_at=row.merged_at,
                merged_by=names.get(row.merged_by_id) if row.merged_by_id else None,
                coder=row.coder_name,
                package_name=row.package_name,
                package_sha256=row.package_sha256,
                package_made_at=row.package_made_at,
                counts=_json(row.counts),
            )
            for row in session.scalars(select(MergeLog).order_by(MergeLog.id))
        ]


__all__ += ["MergeLogEntry", "file_sha256"]
