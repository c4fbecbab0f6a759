"""A whole project moved from a SQLite file to a PostgreSQL server and back, verified."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from annotator.services.coders import get_or_create_coder
from annotator.services.coding import CodingService, FieldValue
from annotator.services.db_copy import copy_project, table_checks
from annotator.services.permissions import NotPermitted
from annotator.services.queue import QueueFilter, filtered_ids
from annotator.store.errors import ProjectError
from annotator.store.models import Recommendation
from annotator.store.project import open_project
from tests.project_helpers import fill_required_by
from tests.roles import COORDINATOR, coordinator_id


def coded_sample(sample_project):
    with sample_project.write() as session:
        amina = get_or_create_coder(session, "Amina").id
        get_or_create_coder(session, "Ben", role="adjudicator")
        ids = session.scalars(select(Recommendation.id).order_by(Recommendation.id)).all()
    service = CodingService(sample_project, amina)
    spec = service.form()
    themes, notes = spec.field_by_key("themes"), spec.field_by_key("notes")
    for rid in ids[:20]:
        service.save(rid, themes.id, FieldValue(frozenset(c.id for c in themes.codes[3:5])))
        service.save(rid, notes.id, FieldValue(text=f"note on {rid} — “quoted”, ünïcode"))
        fill_required_by(service, rid)
        service.set_status(rid, "done")
        service.add_time(rid, 12.25)
    return amina


def checks_of(location):
    project = open_project(location)
    try:
        with project.engine.connect() as connection:
            return table_checks(connection)
    finally:
        project.close()


def test_sqlite_to_postgresql_and_back_keeps_every_record(sample_project, postgres, tmp_path):
    amina = coded_sample(sample_project)
    coordinator_id(sample_project)
    source = sample_project.path
    sample_project.close()
    before = checks_of(source)

    server_db = postgres.new_database()
    to_server = copy_project(source, server_db, by_coder=COORDINATOR)
    assert to_server.tables == before
    assert to_server.rows == sum(t.rows for t in before)

    back = tmp_path / "back.upr"
    copy_project(server_db, back, by_coder=COORDINATOR)
    assert checks_of(back) == before

    # The copies are working projects: coding and search go on where they were.
    for location in (server_db, back):
        project = open_project(location)
        try:
            service = CodingService(project, amina)
            assert service.progress().done == 20
            with project.session() as session:
                found = filtered_ids(session, QueueFilter(search="death penal"), amina)
                new_id = session.scalar(
                    select(Recommendation.id).order_by(Recommendation.id.desc())
                )
            assert len(found) == 13
            spec = service.form()
            service.save(
                new_id,
                spec.field_by_key("themes").id,
                FieldValue(frozenset({spec.field_by_key("themes").codes[0].id})),
            )
        finally:
            project.close()


def test_a_copy_goes_only_into_a_new_database(sample_project, postgres, tmp_path):
    coordinator_id(sample_project)
    with sample_project.write() as session:
        get_or_create_coder(session, "Amina")
    source = sample_project.path
    sample_project.close()
    server_db = postgres.new_database()
    with pytest.raises(NotPermitted, match="Only a coordinator can copy the whole project"):
        copy_project(source, server_db, by_coder="Amina")
    copy_project(source, server_db, by_coder=COORDINATOR)
    with pytest.raises(ProjectError, match="already holds a project"):
        copy_project(source, server_db, by_coder=COORDINATOR)
    existing = tmp_path / "there.upr"
    existing.write_bytes(b"")
    with pytest.raises(ProjectError, match="already exists"):
        copy_project(source, existing, by_coder=COORDINATOR)
    assert existing.read_bytes() == b""
    with pytest.raises(ProjectError, match="same database"):
        copy_project(source, source, by_coder=COORDINATOR)


def test_annotator_db_copy_on_the_command_line(sample_path, postgres):
    from tests.test_cli import annotator

    server_db = postgres.new_database()
    refused = annotator("db", "copy", "--from", str(sample_path), "--to", server_db)
    assert refused.returncode == 1 and "Say who you are" in refused.stderr
    project = open_project(sample_path)
    coordinator_id(project)
    project.close()
    done = annotator(
        "db", "copy", "--as", COORDINATOR, "--from", str(sample_path), "--to", server_db
    )
    assert done.returncode == 0, done.stderr
    assert "same count and checksum" in done.stdout
    again = annotator(
        "db", "copy", "--as", COORDINATOR, "--from", str(sample_path), "--to", server_db
    )
    assert again.returncode == 1
    assert "already holds a project" in again.stderr and "Traceback" not in again.stderr
    assert "example:" in annotator("db", "copy", "--help").stdout


# A copy killed half-way, for real: the copying process kills itself (SIGKILL) once the
# recommendations are in and the tables after them are not, so no cleanup of Python's runs.
KILLED_COPY = """
import os, signal, sys
from annotator.services.db_copy import copy_project

def progress(label, done, total):
    if label == "Copying recommendation":
        os.kill(os.getpid(), signal.SIGKILL)

copy_project(sys.argv[1], sys.argv[2], progress, by_coder=sys.argv[3])
"""


def _coordinator(source) -> str:
    """The name of a coordinator of the project at ``source`` (made one if needed)."""
    from annotator.store.project import open_project
    from tests.roles import COORDINATOR, coordinator_id

    project = open_project(source)
    try:
        coordinator_id(project)
    finally:
        project.close()
    return COORDINATOR


def _killed_copy(source, target) -> None:
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", KILLED_COPY, str(source), str(target), _coordinator(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == -9, run.stderr


def test_a_killed_copy_into_a_file_leaves_nothing_and_a_retry_works(sample_path, tmp_path):
    target = tmp_path / "copies" / "copy.upr"
    target.parent.mkdir()
    _killed_copy(sample_path, target)
    # Only the killed process's temporary file, which the next writer sweeps away.
    assert not target.exists()
    report = copy_project(sample_path, target, by_coder=_coordinator(sample_path))
    assert report.rows > 346
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.upr"]
    copied = open_project(target)
    try:
        with copied.engine.connect() as connection:
            assert {c.table: c.rows for c in table_checks(connection)}["recommendation"] == 346
    finally:
        copied.close()


def test_a_killed_copy_to_a_server_leaves_it_empty_and_a_retry_works(sample_path, postgres):
    server_db = postgres.new_database()
    _killed_copy(sample_path, server_db)
    engine = create_engine(server_db)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM recommendation")).scalar() == 0
            assert connection.execute(text("SELECT count(*) FROM project_info")).scalar() == 0
    finally:
        engine.dispose()
    report = copy_project(sample_path, server_db, by_coder=_coordinator(sample_path))
    assert {c.table: c.rows for c in report.tables}["recommendation"] == 346


def test_a_server_database_holding_a_project_says_how_to_start_over(sample_path, postgres):
    server_db = postgres.new_database()
    copy_project(sample_path, server_db, by_coder=_coordinator(sample_path))
    with pytest.raises(ProjectError) as refused:
        copy_project(sample_path, server_db, by_coder=_coordinator(sample_path))
    message = str(refused.value)
    assert "already holds a project" in message
    assert "drop the database and create it again" in message and "copy again" in message


def test_a_copy_never_writes_into_someone_elses_database(sample_path, postgres):
    from annotator.store.errors import NotAProjectError

    server_db = postgres.new_database()
    engine = create_engine(server_db)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id integer PRIMARY KEY, total numeric)"))
    try:
        with pytest.raises(NotAProjectError, match="holds other data") as refused:
            copy_project(sample_path, server_db, by_coder=_coordinator(sample_path))
        assert "it was not changed" in str(refused.value)
        with engine.connect() as connection:
            tables = connection.execute(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                )
            ).fetchall()
        assert tables == [("invoices",)]
    finally:
        engine.dispose()
