"""Helpers only the tests use: counts of what a project holds, and coding values named
by their keys."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select, text

from annotator.services.coding import FieldValue, FormSpec
from annotator.store.engine import make_engine, to_url
from annotator.store.migrations import run_alembic
from annotator.store.models import Base
from annotator.store.project import Project


def table_counts(project: Project) -> dict[str, int]:
    """Row counts of every table of the model (what a migration or an import changed)."""
    counts = {}
    with project.session() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = session.execute(
                select(text("count(*)")).select_from(table)
            ).scalar_one()
    return counts


def codes_named(spec: FormSpec, keys: Iterable[tuple[str, str]]) -> dict[int, FieldValue]:
    """Values from (field key, code key) pairs."""
    chosen: dict[int, set[int]] = {}
    for field_key, code_key in keys:
        fld = spec.field_by_key(field_key)
        code = next(c for c in fld.codes if c.key == code_key)
        chosen.setdefault(fld.stored_id, set()).add(code.stored_id)
    return {fid: FieldValue(frozenset(ids)) for fid, ids in chosen.items()}


def required_values(spec: FormSpec) -> dict[int, FieldValue]:
    """A value for every required field (the first code in use, some text): what a
    recommendation needs before it may be marked done."""
    values = {}
    for fld in spec.fields:
        if not fld.required or fld.kind == "boolean":
            continue
        if fld.is_choice:
            code = next(c for c in fld.codes if not c.retired)
            values[fld.stored_id] = FieldValue(frozenset({code.stored_id}))
        else:
            values[fld.stored_id] = FieldValue(text="filled in for the test")
    return values


def fill_required(window) -> None:
    """Fill the required fields of the recommendation the coding window shows (through
    the window, as the form's edits do), where a test marks it done about something else."""
    assert window.current_id is not None
    for field_id, value in required_values(window.spec).items():
        if window.form.values().get(field_id, FieldValue()).empty:
            window.apply_value(window.current_id, field_id, value)


def fill_required_by(service, recommendation_id: int) -> None:
    """Save a value for each required field this coder left empty on the recommendation
    (through a ``CodingService``), where a test marks it done about something else."""
    current = service.values(recommendation_id)
    for field_id, value in required_values(service.form()).items():
        if current.get(field_id, FieldValue()).empty:
            service.save(recommendation_id, field_id, value)


def allow_incomplete_done(project: Project) -> None:
    """Switch on the project's setting that lets incomplete work be marked done, for tests
    whose figures rest on exactly the values they save (the coordinator's switch)."""
    from annotator.services.completeness import ALLOW_INCOMPLETE_DONE
    from annotator.store.models import ProjectInfo

    with project.write() as session:
        session.merge(ProjectInfo(key=ALLOW_INCOMPLETE_DONE, value="1"))


def downgrade_file(path: Path, revision: str) -> None:
    """Take a project file back to an older format, as that version of the app wrote it
    (foreign keys off, as the migrations run)."""
    engine = make_engine(to_url(path), foreign_keys=False)
    try:
        with engine.connect() as connection, connection.begin():
            run_alembic(connection, "downgrade", revision)
    finally:
        engine.dispose()
