"""A team server that keeps coders blind by itself: real logins on the test PostgreSQL
server, tried with plain SQL (psycopg, not the app) and through the app's services."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import func, select

from annotator import codebook as cbk
from annotator.services import adjudication, queue
from annotator.services import codebook as codebook_editing
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import CodingService, FieldValue
from annotator.services.permissions import NotPermitted
from annotator.services.projects import init_project
from annotator.services.server_logins import (
    acting_coder,
    grant_login,
    list_logins,
    revoke_login,
    secure_project,
    session_coder,
)
from annotator.store.errors import ProjectError, ServerRefused
from annotator.store.models import (
    Annotation,
    AuditEvent,
    CodingStatus,
    Consensus,
    Recommendation,
)
from annotator.store.project import open_project
from tests.project_helpers import fill_required_by
from tests.roles import coordinator_id
from tests.test_cli import annotator

LOGINS = {"amina": ("Amina", "coder"), "ben": ("Ben", "coder"), "cora": ("Cora", "adjudicator")}


class Team:
    def __init__(self, server, url: str) -> None:
        self.server, self.url = server, url
        self.database = url.rsplit("/", 1)[1]

    def url_of(self, login: str) -> str:
        return f"postgresql+psycopg://{login}@127.0.0.1:{self.server.port}/{self.database}"

    def sql(self, login: str) -> psycopg.Connection:
        """A plain SQL session as this login, as a person with psql would have."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.server.port,
            user=login,
            dbname=self.database,
            autocommit=True,
        )


def _ensure_login(server, login: str) -> None:
    with psycopg.connect(
        host="127.0.0.1", port=server.port, user="upr", dbname="postgres", autocommit=True
    ) as connection:
        if connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone():
            return
        connection.execute(f"CREATE ROLE {login} LOGIN")


@pytest.fixture
def team(postgres):
    """The sample project on the server, secured; Amina and Ben code, Cora adjudicates;
    Amina's and Ben's first ten recommendations already coded through the app."""
    url = postgres.new_database()
    init_project(url, sample=True).close()
    for login in LOGINS:
        _ensure_login(postgres, login)
    owner = open_project(url)
    try:
        with owner.write() as session:
            for name, role in LOGINS.values():
                get_or_create_coder(session, name, role=role)
        for login, (name, _role) in LOGINS.items():
            grant_login(owner, login, name)
    finally:
        owner.close()
    made = Team(postgres, url)
    for login in ("amina", "ben"):
        project = open_project(made.url_of(login))
        try:
            seat = session_coder(project, None)
            service = CodingService(project, seat.coder_id)
            themes = service.form().field_by_key("themes")
            for rid in range(1, 11):
                code = themes.codes[0 if login == "amina" else 1]
                service.save(rid, themes.id, FieldValue(frozenset({code.id})))
                fill_required_by(service, rid)
                service.set_status(rid, "done")
        finally:
            project.close()
    return made


def coder_ids(team: Team) -> dict[str, int]:
    with team.sql("upr") as connection:
        return dict(connection.execute("SELECT name, id FROM coder").fetchall())


def test_a_coder_reads_only_their_own_work_with_plain_sql(team):
    ids = coder_ids(team)
    with team.sql("amina") as amina:
        seen = amina.execute("SELECT DISTINCT coder_id FROM annotation").fetchall()
        assert seen == [(ids["Amina"],)]
        assert amina.execute(
            "SELECT count(*) FROM annotation WHERE coder_id = %s", (ids["Ben"],)
        ).fetchone() == (0,)
        statuses = amina.execute("SELECT DISTINCT coder_id FROM coding_status").fetchall()
        assert statuses == [(ids["Amina"],)]
        events = amina.execute("SELECT DISTINCT coder_id FROM audit_event").fetchall()
        assert events == [(ids["Amina"],)]  # others' events carry their codes too
        # The recommendations and the codebook are there to read.
        assert amina.execute("SELECT count(*) FROM recommendation").fetchone() == (346,)
        assert amina.execute("SELECT count(*) FROM code").fetchone()[0] > 10
        # Whose work is whose: a coder cannot relink their login to someone else.
        assert amina.execute("SELECT login FROM server_login").fetchall() == [("amina",)]


def test_a_coder_cannot_change_or_add_another_coders_work_with_plain_sql(team):
    ids = coder_ids(team)
    with team.sql("upr") as owner:
        before = owner.execute(
            "SELECT id, code_id, value FROM annotation WHERE coder_id = %s ORDER BY id",
            (ids["Ben"],),
        ).fetchall()
    with team.sql("amina") as amina:
        changed = amina.execute(
            "UPDATE annotation SET value = 'mine' WHERE coder_id = %s", (ids["Ben"],)
        )
        assert changed.rowcount == 0
        assert (
            amina.execute("DELETE FROM annotation WHERE coder_id = %s", (ids["Ben"],)).rowcount == 0
        )
        assert (
            amina.execute(
                "UPDATE coding_status SET status = 'flagged' WHERE coder_id = %s", (ids["Ben"],)
            ).rowcount
            == 0
        )
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            amina.execute(
                "INSERT INTO annotation (uuid, recommendation_id, coder_id, field_id, value, "
                "codebook_version, created_at, updated_at) SELECT gen_random_uuid(), 20, %s, "
                "field_id, 'forged', 1, now(), now() FROM annotation LIMIT 1",
                (ids["Ben"],),
            )
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            # Handing one's own rows to another coder is changing theirs too.
            amina.execute(
                "UPDATE annotation SET coder_id = %s WHERE coder_id = %s",
                (ids["Ben"], ids["Amina"]),
            )
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            amina.execute(
                "INSERT INTO audit_event (uuid, at, coder_id, action, entity) "
                "VALUES (gen_random_uuid(), now(), %s, 'annotate', 'annotation')",
                (ids["Ben"],),
            )
    with team.sql("upr") as owner:
        after = owner.execute(
            "SELECT id, code_id, value FROM annotation WHERE coder_id = %s ORDER BY id",
            (ids["Ben"],),
        ).fetchall()
    assert after == before and len(before) == 30  # ten recommendations, three fields each


def test_a_coder_cannot_change_the_codebook_assignments_coders_or_roles_by_sql(team):
    ids = coder_ids(team)
    with team.sql("amina") as amina:
        for statement in (
            "UPDATE code SET label = 'renamed'",
            "DELETE FROM codebook_field",
            "INSERT INTO assignment (recommendation_id, coder_id, assigned_at) "
            f"VALUES (1, {ids['Amina']}, now())",
            "UPDATE coder SET role = 'coordinator'",
            f"UPDATE server_login SET coder_id = {ids['Ben']}",
            "UPDATE recommendation SET text = 'changed'",
            "DELETE FROM audit_event",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                amina.execute(statement)
        with pytest.raises(errors.InsufficientPrivilege):
            amina.execute(f'SET ROLE "{team.database}_coordinator"')
        # The decisions of adjudicators are not a coder's to read either.
        assert amina.execute("SELECT count(*) FROM consensus").fetchone() == (0,)


def test_an_adjudicator_reads_everyones_work_but_not_the_codebook_to_change(team):
    ids = coder_ids(team)
    with team.sql("cora") as cora:
        seen = dict(
            cora.execute("SELECT coder_id, count(*) FROM annotation GROUP BY coder_id").fetchall()
        )
        assert seen == {ids["Amina"]: 30, ids["Ben"]: 30}  # three required fields each
        assert (
            cora.execute(
                "UPDATE annotation SET value = 'x' WHERE coder_id = %s", (ids["Amina"],)
            ).rowcount
            == 0
        )  # reading is not changing
        with pytest.raises(errors.InsufficientPrivilege):
            cora.execute("UPDATE code SET label = 'renamed'")


def test_coding_through_the_app_as_a_coder_login(team):
    project = open_project(team.url_of("amina"))
    try:
        seat = session_coder(project, "Ben")  # the laptop remembers Ben
        assert (seat.name, seat.role, seat.login) == ("Amina", "coder", "amina")
        service = CodingService(project, seat.coder_id)
        spec = service.form()
        note = spec.field_by_key("notes")
        service.save(11, note.id, FieldValue(text="a note of my own"))
        service.set_status(11, "flagged", reason="unclear wording")
        service.add_time(11, 12.5)
        assert service.values(11)[note.id].text == "a note of my own"
        with pytest.raises(NotPermitted):  # a coder sees no one else's codes
            service.others(1)
        progress = service.progress()
        assert progress.done == 10
        with project.session() as session:
            found = queue.filtered_ids(
                session, queue.QueueFilter(search="death penal"), seat.coder_id
            )
            assert found and set(found) <= set(range(1, 347))
            flagged = queue.filtered_ids(
                session, queue.QueueFilter(statuses=frozenset({"flagged"})), seat.coder_id
            )
            assert flagged == [11]
        # The services refuse first; the server would too (below, without them).
        refused = pytest.raises((ServerRefused, NotPermitted), match=r"codebook.*coordinator")
        with refused, project.write() as session:
            codebook_editing.add_code(
                session, "themes", cbk.Code(key="new", label="New"), coder_id=seat.coder_id
            )
        themes = spec.field_by_key("themes")
        # A script that skips the services' own check meets the server's.
        refused = pytest.raises(ServerRefused, match="adjudicator or coordinator")
        with refused, project.write() as session:
            session.add(
                Consensus(
                    recommendation_id=1,
                    field_id=themes.id,
                    code_id=themes.codes[0].id,
                    decided_by_id=seat.coder_id,
                )
            )
        with pytest.raises(ProjectError, match="cannot act as Ben"):
            acting_coder(project, "Ben")
        assert acting_coder(project, None) == "Amina"
    finally:
        project.close()
    owner = open_project(team.url)
    try:
        with owner.session() as session:
            mine = session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.coder_id == seat.coder_id)
            )
            status = session.get(CodingStatus, (11, seat.coder_id))
        # three required values and a status each, all written by the coder
        assert mine == 10 * 4 + 2
        assert status.status == "flagged" and status.seconds_spent == 12.5
    finally:
        owner.close()


def test_the_adjudicator_decides_through_the_app(team):
    project = open_project(team.url_of("cora"))
    try:
        seat = session_coder(project, None)
        service = adjudication.AdjudicationService(project, seat.coder_id)
        with project.session() as session:
            listed = adjudication.disagreements(session, "themes", by_coder_id=seat.coder_id)
        assert {item.recommendation_id for item in listed} == set(range(1, 11))
        first = listed[0]
        service.decide(
            first.recommendation_id, first.field_id, first.value_of("Amina"), "Amina is right"
        )
    finally:
        project.close()
    with team.sql("cora") as cora:
        assert cora.execute("SELECT count(*) FROM consensus").fetchone() == (1,)


def test_a_login_linked_to_nobody_sees_nothing_and_is_told_why(team, postgres):
    _ensure_login(postgres, "dan")
    with pytest.raises(ProjectError, match=r"dan has no access.*db grant --login dan"):
        open_project(team.url_of("dan"))
    with team.sql("dan") as dan, pytest.raises(errors.InsufficientPrivilege):
        dan.execute("SELECT count(*) FROM annotation")


def test_revoking_a_login_and_listing_them(team):
    owner = open_project(team.url)
    try:
        rows = {row.login: row for row in list_logins(owner)}
        assert rows["cora"].role == rows["cora"].server_role == "adjudicator"
        assert revoke_login(owner, "ben")
        assert "ben" not in {row.login for row in list_logins(owner)}
    finally:
        owner.close()
    with team.sql("ben") as ben, pytest.raises(errors.InsufficientPrivilege):
        ben.execute("SELECT count(*) FROM annotation")
    owner = open_project(team.url)  # Ben's work stays
    try:
        with owner.session() as session:
            assert session.scalar(select(func.count(Annotation.id))) == 60
    finally:
        owner.close()


def test_a_role_change_reaches_the_server_with_db_secure(team):
    owner = open_project(team.url)
    try:
        with owner.write() as session:
            get_or_create_coder(session, "Ben").role = "adjudicator"
        ben = {row.login: row for row in list_logins(owner)}["ben"]
        assert not ben.in_line  # the server still has Ben as a coder
        secure_project(owner)
        ben = {row.login: row for row in list_logins(owner)}["ben"]
        assert ben.in_line
    finally:
        owner.close()
    with team.sql("ben") as connection:
        assert connection.execute("SELECT count(*) FROM annotation").fetchone() == (60,)


def test_db_grant_on_the_command_line(team, postgres, tmp_path):
    _ensure_login(postgres, "erin")
    result = annotator(
        "db", "grant", "--db", team.url, "--login", "erin", "--coder", "Erin", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Added Erin to the project's coders, as a coder." in result.stdout
    assert "The login erin now codes as Erin (coder" in result.stdout
    listed = annotator("--db", team.url, "db", "logins", cwd=tmp_path)
    assert "erin: Erin (coder)" in listed.stdout
    missing = annotator(
        "db", "grant", "--db", team.url, "--login", "nobody_here", "--coder", "X", cwd=tmp_path
    )
    assert missing.returncode == 1
    assert "no login 'nobody_here'" in missing.stderr
    # A coder's login cannot grant anything.
    refused = annotator(
        "db",
        "grant",
        "--db",
        team.url_of("amina"),
        "--login",
        "erin",
        "--coder",
        "Amina",
        cwd=tmp_path,
    )
    assert refused.returncode == 1
    assert "Only the owner of the database" in refused.stderr
    # The command line acts as the login's coder too: Amina's info shows only her work.
    info = annotator("info", "--db", team.url_of("amina"), cwd=tmp_path)
    assert "Ben (coder): not started 346" in info.stdout
    assert "Amina (coder): not started 336, in progress 0, done 10" in info.stdout


def test_on_a_file_there_are_no_logins(sample_project):
    with pytest.raises(ValueError, match="A project file has no logins"):
        grant_login(sample_project, "amina", "Amina")
    seat = session_coder(sample_project, "Amina")
    assert seat.login is None and seat.name == "Amina"
    with sample_project.session() as session:
        assert session.scalar(select(func.count()).select_from(Recommendation)) == 346


def test_the_window_codes_as_the_logins_coder_whatever_the_laptop_remembers(
    team, gui_settings, qtbot
):
    from annotator.gui.app import start_main_window

    gui_settings.coder_name = "Ben"
    window = start_main_window(team.url_of("amina"), None, gui_settings)
    qtbot.addWidget(window)
    try:
        assert window.coder_id == coder_ids(team)["Amina"]
        assert window.coder_label.text() == "Coder: Amina (coder, server login amina)"
        assert not window.others_action.isEnabled()
        assert window.model.rowCount() == 346
        assert gui_settings.coder_name == "Ben"  # the laptop's own name is left alone
        assert gui_settings.recent_projects() == [team.url_of("amina")]
    finally:
        window.close()


def add_coordinator(team: Team, postgres) -> None:
    _ensure_login(postgres, "olga")
    owner = open_project(team.url)
    try:
        with owner.write() as session:
            get_or_create_coder(session, "Olga", role="coordinator")
        grant_login(owner, "olga", "Olga")
    finally:
        owner.close()


def test_a_coordinators_login_imports_and_edits_the_codebook(team, postgres, tmp_path):
    from tests.test_project_location import MATRIX

    add_coordinator(team, postgres)
    imported = annotator("import", str(MATRIX), "--db", team.url_of("olga"), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    project = open_project(team.url_of("olga"))
    try:
        seat = session_coder(project, None)
        with project.write() as session:
            codebook_editing.add_code(
                session, "themes", cbk.Code(key="new_theme", label="New"), coder_id=seat.coder_id
            )
        with project.session() as session:
            assert session.scalar(select(func.count(Recommendation.id))) == 346 + 215
            assert session.scalar(select(func.count(Annotation.id))) == 60  # sees everyone's
    finally:
        project.close()


def test_a_coordinators_login_makes_and_merges_a_coders_package(team, postgres, tmp_path):
    from annotator.services import packages
    from tests import test_packages as files

    add_coordinator(team, postgres)
    project = open_project(team.url_of("olga"))
    files._MASTER["master"] = project
    try:
        seat = session_coder(project, None)
        path = tmp_path / "amina.upr"
        packages.create_package(project, "Amina", path, made_by_id=seat.coder_id)
        files.code_in(path, "Amina", files._amina)
        plan = packages.merge(project, [path], by_coder_id=seat.coder_id)
        assert plan.writes_anything
        entry = packages.merge_log(project)[-1]
        assert (entry.coder, entry.merged_by) == ("Amina", "Olga")
    finally:
        files._MASTER.clear()
        project.close()
    ids = coder_ids(team)
    with team.sql("amina") as amina:  # the merged work is Amina's own, and hers alone
        flagged = amina.execute(
            "SELECT recommendation_id, flag_reason FROM coding_status WHERE status = 'flagged'"
        ).fetchall()
        assert flagged == [(45, "two themes?")]
        assert amina.execute("SELECT count(*) FROM merge_log").fetchone() == (0,)
    with team.sql("ben") as ben:
        assert ben.execute(
            "SELECT count(*) FROM coding_status WHERE coder_id = %s", (ids["Amina"],)
        ).fetchone() == (0,)


def test_a_coder_brings_back_their_own_coding_sheet_but_not_someone_elses(team, tmp_path):
    from annotator.services.coding_sheet import import_coding_sheet, write_coding_sheet
    from tests.test_coding_sheet import TORTURE, _edit

    owner = open_project(team.url)
    try:
        amina_sheet = tmp_path / "amina.xlsx"
        ben_sheet = tmp_path / "ben.xlsx"
        boss = coordinator_id(owner)
        write_coding_sheet(owner, "Amina", amina_sheet, by_coder_id=boss)
        write_coding_sheet(owner, "Ben", ben_sheet, by_coder_id=boss)
    finally:
        owner.close()
    done = [(30, "Position", "Supported"), (30, "Published response", "Accepted")]
    _edit(amina_sheet, [(30, TORTURE, 1), *done, (30, "Status", "done")])
    _edit(ben_sheet, [(30, TORTURE, 1)])
    project = open_project(team.url_of("amina"))
    try:
        amina = session_coder(project, None).coder_id
        result = import_coding_sheet(project, amina_sheet, by_coder_id=amina)
        assert result.coder == "Amina" and result.changed_values == 3
        with pytest.raises((ServerRefused, NotPermitted), match=r"another coder's|coordinator"):
            import_coding_sheet(project, ben_sheet, by_coder_id=amina)
    finally:
        project.close()


def test_several_coders_at_once_each_with_their_own_login(postgres):
    from tests.team_load import check_load, run_load, secured_logins

    url = postgres.new_database()
    project = init_project(url, sample=True)
    try:
        logins = secured_logins(postgres, project, 3)
    finally:
        project.close()
    result = run_load(url, coders=3, recommendations=30, logins=logins)
    assert result.errors == ()
    assert check_load(url, result) == []
