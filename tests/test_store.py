"""The store: pragmas, model round trip, refusing files that are not projects, FTS."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from annotator.store import fts
from annotator.store.engine import make_engine, to_url
from annotator.store.errors import NewerProjectError, NotAProjectError, ProjectError
from annotator.store.models import (
    Annotation,
    AuditEvent,
    Code,
    Codebook,
    CodebookField,
    Coder,
    CodingStatus,
    Consensus,
    Recommendation,
    RecommendationState,
    Review,
    SourceTag,
    State,
)
from annotator.store.project import open_project, read_revision
from tests.fts_search import search_ids


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new_project(tmp_path: Path):
    return open_project(tmp_path / "p.upr", create=True)


def test_pragmas_hold_on_every_connection(tmp_path):
    project = new_project(tmp_path)
    try:
        connections = [project.engine.connect() for _ in range(3)]
        for connection in connections:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("foreign_keys", "journal_mode", "busy_timeout", "trusted_schema")
            }
            assert pragma == {
                "foreign_keys": 1,
                "journal_mode": "wal",
                "busy_timeout": 10_000,
                "trusted_schema": 0,
            }
        for connection in connections:
            connection.close()
    finally:
        project.close()


def test_foreign_keys_are_enforced(tmp_path):
    project = new_project(tmp_path)
    try:
        with pytest.raises(Exception, match="FOREIGN KEY"), project.write() as session:
            session.add(CodingStatus(recommendation_id=999, coder_id=999, status="done"))
    finally:
        project.close()


def test_model_round_trip(tmp_path):
    project = new_project(tmp_path)
    rec_uuid = uuid.uuid4()
    with project.write() as session:
        china = State(iso3="CHN", iso2="CN", name="China", regional_group="Asia-Pacific")
        france = State(
            iso3="FRA", iso2="FR", name="France", regional_group="Western European and others"
        )
        brazil = State(
            iso3="BRA", iso2="BR", name="Brazil", regional_group="Latin American and Caribbean"
        )
        session.add_all([china, france, brazil])
        review = Review(
            state=china,
            cycle=4,
            session=45,
            year=2024,
            report_symbol="A/HRC/55/6",
            responses_symbol="A/HRC/55/6/Add.1",
        )
        rec = Recommendation(
            uuid=rec_uuid,
            review=review,
            number="150.10",
            sort_key="x",
            text="Ratify the ICCPR",
            response="accepted and being implemented",
            position="supported",
        )
        rec.recommending = [
            RecommendationState(state=france, ordinal=0),
            RecommendationState(state=brazil, ordinal=1),
        ]
        rec.source_tags = [SourceTag(source="ohchr-matrix", kind="theme", value="A12")]
        session.add(rec)
        book = Codebook(name="Test", version=3)
        themes = CodebookField(key="themes", label="Themes", kind="multi")
        parent = Code(key="cp", label="Civil and political rights")
        child = Code(key="torture", label="Torture", parent=parent, shortcut="t")
        themes.codes = [parent, child]
        book.fields = [themes]
        coder = Coder(name="Amina", role="coder")
        session.add_all([book, coder])
        session.flush()
        session.add(
            Annotation(
                recommendation_id=rec.id,
                coder_id=coder.id,
                field_id=themes.id,
                code_id=child.id,
                codebook_version=3,
            )
        )
        session.add(
            CodingStatus(
                recommendation_id=rec.id,
                coder_id=coder.id,
                status="flagged",
                flag_reason="unclear text",
                seconds_spent=41.5,
            )
        )
        session.add(
            Consensus(
                recommendation_id=rec.id,
                field_id=themes.id,
                code_id=child.id,
                decided_by_id=coder.id,
                reason="clear",
            )
        )
        session.add(
            AuditEvent(
                coder_id=coder.id,
                action="annotation.add",
                entity="annotation",
                recommendation_id=rec.id,
                after='{"code": "torture"}',
            )
        )
    project.close()

    reopened = open_project(tmp_path / "p.upr")
    try:
        with reopened.session() as session:
            rec = session.scalars(
                select(Recommendation).where(Recommendation.uuid == rec_uuid)
            ).one()
            assert rec.number == "150.10"
            assert rec.review.state.name == "China"
            assert rec.review.responses_symbol == "A/HRC/55/6/Add.1"
            assert [link.state.iso3 for link in rec.recommending] == ["FRA", "BRA"]
            assert rec.source_tags[0].value == "A12"
            annotation = session.scalars(select(Annotation)).one()
            code = session.get(Code, annotation.code_id)
            assert (code.key, code.parent.key, annotation.codebook_version) == ("torture", "cp", 3)
            status = session.scalars(select(CodingStatus)).one()
            assert (status.status, status.flag_reason, status.seconds_spent) == (
                "flagged",
                "unclear text",
                41.5,
            )
            assert session.scalars(select(Consensus)).one().reason == "clear"
            event = session.scalars(select(AuditEvent)).one()
            assert event.at.tzinfo is not None and event.at.utcoffset().total_seconds() == 0
            assert datetime.now(UTC) - event.at < __import__("datetime").timedelta(minutes=5)
            assert isinstance(rec.uuid, uuid.UUID)
    finally:
        reopened.close()


def test_naive_datetimes_are_refused(tmp_path):
    project = new_project(tmp_path)
    try:
        with pytest.raises(Exception, match="naive"), project.write() as session:
            session.add(Coder(name="X", created_at=datetime(2026, 1, 1)))
    finally:
        project.close()


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    project = new_project(tmp_path)
    try:
        with pytest.raises(RuntimeError), project.write() as session:
            session.add(Coder(name="Amina"))
            session.flush()
            raise RuntimeError("power cut")
        with project.session() as session:
            assert session.scalars(select(Coder)).all() == []
    finally:
        project.close()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"Recommendation;Position\n28.1;Supported\n", "not a database file"),
        (b"%PDF-1.7\n" + b"\x00" * 200, "not a database file"),
        (b"SQLite format 3\x00" + b"\xff" * 300, "damaged or not a database"),
    ],
    ids=["empty", "text", "pdf", "truncated-sqlite"],
)
def test_files_that_are_not_projects_are_refused_untouched(tmp_path, content, expected):
    path = tmp_path / "thing.upr"
    path.write_bytes(content)
    before = digest(path)
    with pytest.raises(NotAProjectError, match=expected) as caught:
        open_project(path)
    assert str(path) in str(caught.value)
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists()


def test_another_sqlite_database_is_refused_untouched(tmp_path):
    path = tmp_path / "other.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE contacts (name TEXT)")
    connection.execute("INSERT INTO contacts VALUES ('x')")
    connection.commit()
    connection.close()
    before = digest(path)
    with pytest.raises(NotAProjectError, match="not a UPR Coder project"):
        open_project(path)
    assert digest(path) == before


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(NotAProjectError, match="is a folder"):
        open_project(tmp_path)


def test_a_missing_file_is_not_created_unless_asked(tmp_path):
    path = tmp_path / "nothing.upr"
    with pytest.raises(ProjectError, match="There is no project"):
        open_project(path)
    assert not path.exists()


def test_a_newer_project_is_refused_untouched(tmp_path):
    path = tmp_path / "future.upr"
    new_project(tmp_path).close()
    (tmp_path / "p.upr").rename(path)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.close()
    before = digest(path)
    with pytest.raises(NewerProjectError, match="newer version of UPR Coder") as caught:
        open_project(path)
    assert "not changed" in str(caught.value)
    assert digest(path) == before
    assert read_revision(path) == "9999_from_the_future"
    assert not list(tmp_path.glob("*.backups"))


def test_full_text_search_follows_the_texts(tmp_path):
    project = new_project(tmp_path)
    try:
        with project.write() as session:
            state = State(iso3="CHN", iso2="CN", name="China")
            review = Review(state=state, cycle=3)
            recs = [
                Recommendation(review=review, number=f"28.{i}", text=t)
                for i, t in enumerate(
                    [
                        "Abolish the death penalty",
                        "Prevent torture in detention",
                        "Protect human rights defenders from reprisals",
                    ],
                    start=1,
                )
            ]
            session.add_all(recs)
            session.flush()
            fts.index(session.connection(), [r.id for r in recs])
            ids = {r.number: r.id for r in recs}
        with project.engine.connect() as connection:
            assert search_ids(connection, "torture") == [ids["28.2"]]
            assert search_ids(connection, "repris") == [ids["28.3"]]  # prefix as you type
            assert search_ids(connection, "death penalty") == [ids["28.1"]]
            # FTS syntax typed by a person is searched as words, not run as a query.
            assert search_ids(connection, 'torture" OR "death') == []
            assert search_ids(connection, "   ") == []
        with project.write() as session:
            session.execute(
                text("UPDATE recommendation SET text = 'Ratify the CAT' WHERE id = :i"),
                {"i": ids["28.2"]},
            )
            fts.index(session.connection(), [ids["28.2"]])
            session.execute(text("DELETE FROM recommendation WHERE id = :i"), {"i": ids["28.3"]})
        with project.engine.connect() as connection:
            assert search_ids(connection, "torture") == []
            assert search_ids(connection, "ratify") == [ids["28.2"]]
            assert search_ids(connection, "reprisals") == []
    finally:
        project.close()


def test_engine_urls():
    assert to_url("/tmp/x.upr") == "sqlite:////tmp/x.upr"
    assert to_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    engine = make_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA trusted_schema").scalar() == 0
    engine.dispose()


def _foreign(path: Path, revision: str | None) -> None:
    """Another program's database that happens to use Alembic and a project_info table."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        if revision is not None:
            connection.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
        connection.execute("CREATE TABLE project_info (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("INSERT INTO project_info VALUES ('owner', 'someone else')")
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    connection.close()


@pytest.mark.parametrize("revision", ["0001", "0005", None])
def test_a_foreign_database_with_our_table_names_is_refused_untouched(tmp_path, revision):
    path = tmp_path / "books.sqlite"
    _foreign(path, revision)
    before = digest(path)
    with pytest.raises(NotAProjectError, match="not a UPR Coder project") as refused:
        open_project(path)
    assert str(path) in str(refused.value) and "was not changed" in str(refused.value)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["books.sqlite"]
    with pytest.raises(NotAProjectError):
        open_project(path, create=True)
    assert digest(path) == before
