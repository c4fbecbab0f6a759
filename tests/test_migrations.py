"""Migrations: pytest-alembic's standard checks, data kept across every revision, backups."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pytest_alembic.tests import (  # noqa: F401  (collected as tests here)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import text

from annotator.store import fts
from annotator.store.backups import list_backups
from annotator.store.engine import make_engine, to_url
from annotator.store.errors import MigrationError
from annotator.store.migrations import alembic_config, head_revision, run_alembic, upgrade
from annotator.store.project import open_project, read_revision
from tests.fts_search import search_ids
from tests.project_helpers import downgrade_file, table_counts


@pytest.fixture
def alembic_engine(tmp_path):
    engine = make_engine(to_url(tmp_path / "alembic.upr"), foreign_keys=False)
    yield engine
    engine.dispose()


@pytest.fixture
def alembic_config():  # noqa: F811  (pytest-alembic's fixture name)
    from annotator.store.migrations import alembic_config as make_config

    return make_config()


def migrate_to(path: Path, revision: str) -> None:
    upgrade(to_url(path), revision)


# Rows for every table of revision 0001, written with plain SQL so the seed does not
# depend on today's models. Numbers are chosen so that ordering changes show.
SEED_0001 = [
    "INSERT INTO project_info (key, value) VALUES ('project_uuid', 'p-1')",
    "INSERT INTO state (id, iso3, iso2, name, official_name, regional_group, status) VALUES "
    "(1, 'CHN', 'CN', 'China', '', 'Asia-Pacific', 'member'),"
    "(2, 'FRA', 'FR', 'France', '', 'Western European and others', 'member'),"
    "(3, 'BRA', 'BR', 'Brazil', '', 'Latin American and Caribbean', 'member')",
    "INSERT INTO review (id, uuid, state_id, cycle, session, year, report_symbol, created_at) "
    "VALUES (1, 'a1', 1, 3, 31, 2018, 'A/HRC/40/6', '2026-01-01 00:00:00')",
    *[
        "INSERT INTO recommendation (id, uuid, review_id, number, text, recommending_text, "
        f"response, position, created_at, updated_at) VALUES ({i}, 'r{i}', 1, '28.{n}', "
        f"'Ratify convention {n} on torture', 'France', 'Supported', 'supported', "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        for i, n in enumerate([1, 2, 10, 11, 3], start=1)
    ],
    "INSERT INTO recommendation_state (recommendation_id, state_id, ordinal) VALUES "
    "(1, 2, 0), (2, 3, 0), (3, 2, 0), (3, 3, 1), (4, 2, 0), (5, 3, 0)",
    "INSERT INTO source_tag (recommendation_id, source, kind, value) VALUES "
    "(1, 'ohchr-matrix', 'theme', 'D25'), (2, 'ohchr-matrix', 'theme', 'A12')",
    "INSERT INTO codebook (id, uuid, name, version, description, active, created_at, updated_at) "
    "VALUES (1, 'c1', 'Test', 2, '', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO codebook_revision (codebook_id, version, saved_at, document) VALUES "
    "(1, 1, '2026-01-01 00:00:00', 'name: Test'), (1, 2, '2026-01-01 00:00:00', 'name: Test')",
    "INSERT INTO codebook_field (id, uuid, codebook_id, key, label, kind, description, required, "
    "position) VALUES (1, 'f1', 1, 'themes', 'Themes', 'multi', '', 1, 0),"
    "(2, 'f2', 1, 'notes', 'Notes', 'text', '', 0, 1)",
    "INSERT INTO code (id, uuid, field_id, key, label, definition, include, exclude, example, "
    "parent_id, retired, keywords, position) VALUES "
    "(1, 'k1', 1, 'cp', 'Civil and political', '', '', '', '', NULL, 0, '', 0),"
    "(2, 'k2', 1, 'torture', 'Torture', '', '', '', '', 1, 0, 'torture', 1)",
    "INSERT INTO coder (id, uuid, name, role, created_at) VALUES "
    "(1, 'u1', 'Amina', 'coder', '2026-01-01 00:00:00'),"
    "(2, 'u2', 'Ben', 'adjudicator', '2026-01-01 00:00:00')",
    *[
        "INSERT INTO annotation (uuid, recommendation_id, coder_id, field_id, code_id, value, "
        f"codebook_version, created_at, updated_at) VALUES ('a{rec}{coder}', {rec}, {coder}, 1, 2, "
        "NULL, 2, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        for rec in range(1, 6)
        for coder in (1, 2)
    ],
    "INSERT INTO coding_status (recommendation_id, coder_id, status, seconds_spent, updated_at) "
    "VALUES (1, 1, 'done', 12.5, '2026-01-01 00:00:00'), (2, 1, 'flagged', 3, "
    "'2026-01-01 00:00:00')",
    "INSERT INTO consensus (uuid, recommendation_id, field_id, code_id, decided_by_id, reason, "
    "decided_at) VALUES ('s1', 1, 1, 2, 2, 'both agree', '2026-01-01 00:00:00')",
    "INSERT INTO audit_event (uuid, at, coder_id, action, entity, recommendation_id, before, "
    "after) VALUES ('e1', '2026-01-01 00:00:00', 1, 'annotation.add', 'annotation', 1, NULL, "
    "'{}')",
]

EXPECTED_COUNTS = {
    "project_info": 1,
    "state": 3,
    "review": 1,
    "recommendation": 5,
    "recommendation_state": 6,
    "source_tag": 2,
    "codebook": 1,
    "codebook_revision": 2,
    "codebook_field": 2,
    "code": 2,
    "coder": 2,
    "annotation": 10,
    "coding_status": 2,
    "consensus": 1,
    "audit_event": 1,
    "assignment": 0,
    "merge_log": 0,
}


def seeded_0001(path: Path) -> None:
    migrate_to(path, "0001")
    connection = sqlite3.connect(path)
    with connection:
        for statement in SEED_0001:
            connection.execute(statement)
    connection.close()


def test_every_row_survives_the_table_rebuild(tmp_path):
    path = tmp_path / "old.upr"
    seeded_0001(path)
    assert read_revision(path) == "0001"

    project = open_project(path)
    try:
        assert read_revision(path) == head_revision()
        counts = table_counts(project)
        assert {k: counts[k] for k in EXPECTED_COUNTS} == EXPECTED_COUNTS
        with project.session() as session:
            keys = (
                session.execute(text("SELECT number FROM recommendation ORDER BY sort_key"))
                .scalars()
                .all()
            )
            assert keys == ["28.1", "28.2", "28.3", "28.10", "28.11"]
            # Full-text search works on the rebuilt table.
            session.execute(text("UPDATE recommendation SET text = 'Abolish slavery' WHERE id = 4"))
            fts.index(session.connection(), [4])
            assert search_ids(session.connection(), "slavery") == [4]
            broken = session.execute(text("PRAGMA foreign_key_check")).all()
            assert broken == []
    finally:
        project.close()


def test_assignments_come_and_go_without_touching_the_rest(tmp_path):
    """0003 only adds a table: up, filled, down and up again, every other row stays."""
    path = tmp_path / "old.upr"
    seeded_0001(path)
    migrate_to(path, "0002")
    migrate_to(path, "0003")
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "INSERT INTO assignment (recommendation_id, coder_id, assigned_at, assigned_by_id) "
            "VALUES (1, 1, '2026-12-01 00:00:00', 2), (1, 2, '2026-12-01 00:00:00', 2), "
            "(3, 1, '2026-12-01 00:00:00', NULL)"
        )
    connection.close()

    downgrade_file(path, "0002")
    assert read_revision(path) == "0002"
    connection = sqlite3.connect(path)
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert "assignment" not in tables
    assert "ix_assignment_coder_recommendation" not in tables
    assert connection.execute("SELECT count(*) FROM annotation").fetchone()[0] == 10
    connection.close()

    project = open_project(path)
    try:
        counts = table_counts(project)
        assert {k: counts[k] for k in EXPECTED_COUNTS} == EXPECTED_COUNTS
    finally:
        project.close()


def test_the_trap_is_real_with_foreign_keys_on(tmp_path):
    """Why the runner turns foreign keys off: the same migration with them on loses rows.

    If this ever stops failing that way the guard is still right, but the row-survival
    test above would no longer prove anything; so it is checked here.
    """
    path = tmp_path / "old.upr"
    seeded_0001(path)
    engine = make_engine(to_url(path), foreign_keys=True)
    try:
        with engine.connect() as connection, connection.begin():
            run_alembic(connection, "upgrade", "head")
        with engine.connect() as connection:
            annotations = connection.execute(text("SELECT count(*) FROM annotation")).scalar()
    finally:
        engine.dispose()
    assert annotations < EXPECTED_COUNTS["annotation"]


def test_dangling_reference_rolls_the_whole_migration_back(tmp_path):
    path = tmp_path / "old.upr"
    seeded_0001(path)
    connection = sqlite3.connect(path)
    with connection:  # foreign keys are off in a plain sqlite3 connection
        connection.execute(
            "INSERT INTO coding_status (recommendation_id, coder_id, status, seconds_spent, "
            "updated_at) VALUES (999, 1, 'done', 0, '2026-01-01 00:00:00')"
        )
    connection.close()
    with pytest.raises(MigrationError, match="break 1 links"):
        upgrade(to_url(path))
    assert read_revision(path) == "0001"
    connection = sqlite3.connect(path)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(recommendation)")]
    connection.close()
    assert "sort_key" not in columns


def test_backup_is_made_before_migrating(tmp_path):
    path = tmp_path / "old.upr"
    seeded_0001(path)
    open_project(path).close()
    backups = list_backups(path)
    assert len(backups) == 1
    assert read_revision(backups[0]) == "0001"
    connection = sqlite3.connect(backups[0])
    assert connection.execute("SELECT count(*) FROM annotation").fetchone()[0] == 10
    connection.close()
    # Opening the now current file makes no further backup.
    open_project(path).close()
    assert len(list_backups(path)) == 1


def test_only_the_newest_backups_are_kept(tmp_path):
    path = tmp_path / "old.upr"
    made = []
    for _ in range(4):
        path.unlink(missing_ok=True)
        seeded_0001(path)
        open_project(path, backup_keep=3).close()
        made.append(list_backups(path)[-1])
    kept = list_backups(path)
    assert kept == made[-3:]


def test_config_points_at_the_shipped_migrations():
    from annotator.store.migrations import alembic_config as make_config

    config = make_config()
    assert Path(config.get_main_option("script_location"), "env.py").is_file()


def test_existing_responses_become_the_first_entry_of_their_history(tmp_path):
    """0006: each published response is kept as a matrix entry (the seed's recommendations
    came with OHCHR matrix tags) or a table entry; the review's year and month come from
    the UPR calendar; the current response stays."""
    path = tmp_path / "old.upr"
    seeded_0001(path)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE review SET year = 2013, session = 18")  # arithmetic's year
        connection.execute("UPDATE recommendation SET response = NULL WHERE id = 5")
    connection.close()
    project = open_project(path)
    try:
        with project.session() as session:
            rows = session.execute(
                text(
                    "SELECT r.number, e.document_kind, e.wording, e.category, e.position "
                    "FROM response_entry e JOIN recommendation r ON r.id = e.recommendation_id "
                    "ORDER BY r.id"
                )
            ).all()
            review = session.execute(text("SELECT year, month FROM review")).one()
            current = session.execute(
                text("SELECT response FROM recommendation WHERE id = 1")
            ).scalar()
    finally:
        project.close()
    assert rows == [
        ("28.1", "matrix", "Supported", "accepted", "supported"),
        ("28.2", "matrix", "Supported", "accepted", "supported"),
        ("28.10", "table", "Supported", "accepted", "supported"),
        ("28.11", "table", "Supported", "accepted", "supported"),
    ]
    assert tuple(review) == (2014, 1)  # session 18 met in January 2014
    assert current == "Supported"


def test_suggestion_flags_start_false_and_go_away_on_downgrade(tmp_path):
    """0010: work coded before suggestions existed counts as coded without them."""
    path = tmp_path / "old.upr"
    seeded_0001(path)
    migrate_to(path, "0010")
    connection = sqlite3.connect(path)
    shown = connection.execute("SELECT DISTINCT suggestions_shown FROM coding_status").fetchall()
    accepted = connection.execute("SELECT DISTINCT accepted_suggestion FROM annotation").fetchall()
    connection.close()
    assert shown == [(0,)] and accepted == [(0,)]
    downgrade_file(path, "0009")
    connection = sqlite3.connect(path)
    columns = {row[1] for row in connection.execute("PRAGMA table_info(annotation)")}
    count = connection.execute("SELECT count(*) FROM annotation").fetchone()[0]
    connection.close()
    assert "accepted_suggestion" not in columns and count > 0
