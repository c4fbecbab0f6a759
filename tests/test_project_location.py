"""Every command works on the project it was given: --db before or after the command,
ANNOTATOR_DB as a path or a URL, both `python -m` forms, server passwords never stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from annotator.store.errors import PasswordNeeded, ProjectError
from annotator.store.project import open_project
from tests.test_cli import annotator

DATA = Path(__file__).parent / "data"
MATRIX = DATA / "slovenia_cycle3_2019_matrix.docx"


def run_module(module: str, *args: str, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("module", ["annotator", "annotator.cli"])
def test_both_module_forms_run_the_command(module, tmp_path):
    db = tmp_path / "m.upr"
    result = run_module(module, "init", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert db.is_file()
    info = run_module(module, "info", "--db", str(db))
    assert info.returncode == 0, info.stderr
    assert f"Project: {db}" in info.stdout


@pytest.mark.parametrize("where", ["before", "after"])
def test_db_before_or_after_the_command_is_the_project_used(where, tmp_path):
    team, default = tmp_path / "team.upr", tmp_path / "default.upr"
    env = {"ANNOTATOR_DB": str(default)}  # the project used when --db is not heard
    assert annotator("init", "--db", str(team)).returncode == 0
    assert annotator("init", env=env).returncode == 0
    args = ["import", str(MATRIX)]
    args = ["--db", str(team), *args] if where == "before" else [*args, "--db", str(team)]
    result = annotator(*args, env=env)
    assert result.returncode == 0, result.stderr
    team_info = annotator("info", "--db", str(team)).stdout
    default_info = annotator("--db", str(default), "info").stdout
    assert "Recommendations: 215" in team_info
    assert "Recommendations: 0" in default_info


def test_db_after_the_command_wins_over_one_before_it(tmp_path):
    first, second = tmp_path / "first.upr", tmp_path / "second.upr"
    result = annotator("--db", str(first), "init", "--db", str(second))
    assert result.returncode == 0, result.stderr
    assert second.is_file() and not first.exists()


def test_db_before_a_two_word_command(tmp_path):
    source, copy = tmp_path / "a.upr", tmp_path / "b.upr"
    boss = {"ANNOTATOR_CODER": "Olga"}  # who creates the project is its coordinator
    assert annotator("init", "--db", str(source), env=boss).returncode == 0
    result = annotator(
        "--db", str(source), "db", "copy", "--from", str(source), "--to", str(copy), env=boss
    )
    assert result.returncode == 0, result.stderr
    assert copy.is_file()


def test_annotator_db_as_a_path(tmp_path):
    db = tmp_path / "env.upr"
    env = {"ANNOTATOR_DB": str(db)}
    assert annotator("init", env=env).returncode == 0
    assert annotator("import", str(MATRIX), env=env).returncode == 0
    assert "Recommendations: 215" in annotator("info", "--db", str(db)).stdout


def test_annotator_db_as_a_url_reaches_the_server(postgres, tmp_path):
    url = postgres.new_database()
    env = {"ANNOTATOR_DB": url}
    created = annotator("init", env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert annotator("import", str(MATRIX), env=env, cwd=tmp_path).returncode == 0
    info = annotator("info", env=env, cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    assert "Recommendations: 215" in info.stdout
    assert f"Project: {url}" in info.stdout
    assert list(tmp_path.iterdir()) == []  # no file named after the URL was made
    project = open_project(url)  # and it really is on the server
    try:
        assert project.path is None
    finally:
        project.close()


def test_an_unreachable_url_in_annotator_db_is_said_plainly(tmp_path):
    env = {"ANNOTATOR_DB": "postgresql+psycopg://nobody@127.0.0.1:9/none"}
    result = annotator("info", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Could not reach the database server" in result.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- server passwords

LOGIN, SECRET = "pw_coder", "correct horse"


@pytest.fixture
def password_server(postgres):
    """A database on the test server whose login must give a password (the suite's own
    superuser is trusted; this one login is not)."""
    url = postgres.new_database()
    from annotator.services.projects import init_project

    init_project(url).close()
    database = url.rsplit("/", 1)[1]
    admin = dict(host="127.0.0.1", port=postgres.port, user="upr", autocommit=True)
    with psycopg.connect(dbname=database, **admin) as connection:
        exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (LOGIN,))
        if exists.fetchone() is None:
            connection.execute(f"CREATE ROLE {LOGIN} LOGIN PASSWORD '{SECRET}'")
        connection.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {LOGIN}")
        connection.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {LOGIN}")
        hba = Path(connection.execute("SHOW hba_file").fetchone()[0])
        rule = f"host all {LOGIN} 127.0.0.1/32 scram-sha-256\n"
        if rule not in hba.read_text():
            hba.write_text(rule + hba.read_text())
            connection.execute("SELECT pg_reload_conf()")
    return f"postgresql+psycopg://{LOGIN}@127.0.0.1:{postgres.port}/{database}"


def test_a_url_without_the_password_needs_one(password_server, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    with pytest.raises(PasswordNeeded) as raised:
        open_project(password_server)
    assert not raised.value.refused
    assert LOGIN in str(raised.value) and "~/.pgpass" in str(raised.value)


def test_pgpassword_or_the_password_file_opens_it(password_server, monkeypatch, tmp_path):
    monkeypatch.setenv("PGPASSWORD", SECRET)
    open_project(password_server).close()
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:*:*:{LOGIN}:{SECRET}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    open_project(password_server).close()


def test_the_app_asks_for_the_password_and_keeps_it_out_of_recent_projects(
    password_server, monkeypatch, gui_settings
):
    from annotator.gui.server_password import open_asking_password

    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    asked: list[tuple[str, str]] = []
    answers = iter(["wrong", SECRET])

    def ask(who: str, warning: str) -> str | None:
        asked.append((who, warning))
        return next(answers)

    project = open_asking_password(password_server, ask=ask)
    try:
        assert len(asked) == 2
        assert LOGIN in asked[0][0] and asked[0][1] == ""
        assert "refused" in asked[1][1]
        assert SECRET not in project.location and "***" not in project.location
        gui_settings.add_recent_project(project.location)
        assert gui_settings.recent_projects() == [password_server]
    finally:
        project.close()
    with pytest.raises(ProjectError, match="No password was given"):
        open_asking_password(password_server, ask=lambda who, warning: None)


def test_recent_projects_never_hold_a_password(gui_settings):
    gui_settings.add_recent_project("postgresql+psycopg://amina:s3cret@db.example.org/upr")
    # An entry stored masked by an earlier version comes back openable.
    gui_settings._settings.setValue(
        "projects/recent",
        [*gui_settings.recent_projects(), "postgresql+psycopg://ben:***@db.example.org/upr"],
    )
    assert gui_settings.recent_projects() == [
        "postgresql+psycopg://amina@db.example.org/upr",
        "postgresql+psycopg://ben@db.example.org/upr",
    ]


def test_the_password_dialog_hides_and_returns_what_was_typed(qapp):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    from annotator.gui.server_password import ask_password

    seen = {}

    def answer(text: str | None) -> None:
        dialog = QApplication.activeModalWidget()
        seen["echo"] = dialog.textEchoMode()
        seen["label"] = dialog.labelText()
        if text is None:
            dialog.reject()
        else:
            dialog.setTextValue(text)
            dialog.accept()

    QTimer.singleShot(0, lambda: answer("s3cret"))
    assert ask_password("amina on db.example.org", "") == "s3cret"
    assert seen["echo"] == QLineEdit.EchoMode.Password
    assert "amina on db.example.org" in seen["label"] and "never stored" in seen["label"]
    QTimer.singleShot(0, lambda: answer(None))
    assert ask_password("amina on db.example.org", "") is None
