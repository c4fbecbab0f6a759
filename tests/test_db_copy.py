"""A whole project moved from a SQLite file to a PostgreSQL server and back, verified."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.services.coders import get_or_create_coder
from annotator.services.coding import CodingService, FieldValue
from annotator.services.db_copy import copy_project, table_checks
from annotator.services.permissions import NotPermitted
from annotator.services.queue import QueueFilter, filtered_ids
from annotator.store.errors import ProjectError
from annotator.store.models import Recommendation
from annotator.store.project import open_project
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
