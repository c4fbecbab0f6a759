"""Storage on a real PostgreSQL server: creating, migrating, refusing, searching."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, func, select, text

from annotator.services.projects import init_project
from annotator.services.queue import QueueFilter, filtered_ids, filtered_select
from annotator.store.errors import NewerProjectError, NotAProjectError, ProjectError
from annotator.store.migrations import head_revision, upgrade
from annotator.store.models import Recommendation
from annotator.store.project import open_project
from tests.project_helpers import table_counts


def run_sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def test_a_new_database_becomes_a_project_only_when_asked(postgres):
    url = postgres.new_database()
    with pytest.raises(ProjectError, match="empty"):
        open_project(url)
    project = init_project(url, sample=True)
    try:
        counts = table_counts(project)
        assert counts["recommendation"] == 346 and counts["state"] >= 193
        with project.session() as session:
            assert session.scalar(select(func.count(Recommendation.id))) == 346
            found = filtered_ids(session, QueueFilter(search="torture"), None)
            texts = dict(session.execute(select(Recommendation.id, Recommendation.text)).all())
        # PostgreSQL's own full-text search, every word, the last as a prefix.
        assert found and all("tortur" in texts[i].lower() for i in found)
        assert set(found) == {i for i, t in texts.items() if "torture" in t.lower()}
    finally:
        project.close()


def test_migrating_from_the_first_revision_keeps_every_row(postgres):
    url = postgres.new_database()
    upgrade(url, "0001")
    run_sql(
        url,
        "INSERT INTO state (id, iso3, iso2, name, official_name, regional_group, status) "
        "VALUES (1, 'CHN', 'CN', 'China', '', 'Asia-Pacific', 'member')",
    )
    run_sql(
        url,
        "INSERT INTO review (id, uuid, state_id, cycle, created_at) "
        "VALUES (1, 'a0000000-0000-0000-0000-000000000001', 1, 3, now())",
    )
    run_sql(
        url,
        "INSERT INTO recommendation (id, uuid, review_id, number, text, recommending_text, "
        "created_at, updated_at) VALUES (1, 'b0000000-0000-0000-0000-000000000001', 1, "
        "'28.10', 'Ratify OPCAT', '', now(), now())",
    )
    project = open_project(url)  # migrates to head
    try:
        with project.session() as session:
            rec = session.get(Recommendation, 1)
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert (rec.number, rec.text, rec.sort_key) == (
            "28.10",
            "Ratify OPCAT",
            "00000028.00000010",
        )
        assert revision == head_revision()
    finally:
        project.close()


def test_a_newer_or_foreign_database_is_refused_untouched(postgres):
    newer = postgres.new_database()
    init_project(newer).close()
    run_sql(newer, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(NewerProjectError, match="newer version"):
        open_project(newer)

    other = postgres.new_database()
    run_sql(other, "CREATE TABLE invoices (id integer primary key, total numeric)")
    with pytest.raises(NotAProjectError, match="other data"):
        open_project(other)
    with psycopg.connect(other.replace("postgresql+psycopg", "postgresql")) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    assert tables == [("invoices",)]


def test_an_unreachable_server_is_a_clear_message():
    with pytest.raises(ProjectError, match="Could not reach the database server"):
        open_project("postgresql+psycopg://nobody@127.0.0.1:9/none")


def test_a_search_on_the_server_uses_its_text_index(postgres):
    url = postgres.new_database()
    project = init_project(url, sample=True)
    try:
        with project.session() as session:
            query = filtered_select(session, QueueFilter(search="death penal"), None)
            # At 346 rows any plan is cheap: rule the others out to ask whether the text
            # index can answer the search at all.
            session.execute(text("SET enable_seqscan = off"))
            session.execute(text("SET enable_indexscan = off"))
            compiled = query.compile(session.bind, compile_kwargs={"literal_binds": True})
            plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))
    finally:
        project.close()
    assert "ix_recommendation_text_search" in plan, plan


def test_a_foreign_database_with_our_table_names_on_the_server_is_untouched(postgres):
    url = postgres.new_database()
    for statement in (
        "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL)",
        "INSERT INTO alembic_version VALUES ('0001')",
        "CREATE TABLE project_info (key text PRIMARY KEY, value text)",
        "INSERT INTO project_info VALUES ('owner', 'someone else')",
    ):
        run_sql(url, statement)
    with pytest.raises(NotAProjectError, match="not a UPR Coder project") as refused:
        open_project(url)
    assert "was not changed" in str(refused.value)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "ORDER BY table_name"
        ).fetchall()
        rows = connection.execute("SELECT key, value FROM project_info").fetchall()
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert tables == [("alembic_version",), ("project_info",)]
    assert rows == [("owner", "someone else")] and revision == [("0001",)]


def test_the_suggestion_flags_go_up_and_down_on_the_server(postgres):
    """0010 on PostgreSQL: both columns added false, and taken away again on downgrade."""
    from annotator.store.migrations import run_alembic

    url = postgres.new_database()
    upgrade(url, "0010")
    engine = create_engine(url)
    columns = (
        "SELECT table_name, column_default FROM information_schema.columns "
        "WHERE column_name IN ('suggestions_shown', 'accepted_suggestion') ORDER BY table_name"
    )
    try:
        with engine.connect() as connection:
            found = connection.execute(text(columns)).all()
        assert [(t, d) for t, d in found] == [("annotation", "false"), ("coding_status", "false")]
        with engine.connect() as connection, connection.begin():
            run_alembic(connection, "downgrade", "0009")
        with engine.connect() as connection:
            assert connection.execute(text(columns)).all() == []
    finally:
        engine.dispose()
