"""Shared fixtures: real project files in tmp folders, Qt offscreen, isolated settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# Qt must know before it starts that there is no screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests import pg_server as pg

DATA = Path(__file__).parent / "data"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's data folder, settings or ANNOTATOR_DB."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    yield home


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory) -> Path:
    """The sample project made once per test run through `init --sample`; tests copy it."""
    from annotator.services.projects import init_project

    path = tmp_path_factory.mktemp("template") / "sample.upr"
    init_project(path, sample=True).close()
    return path


@pytest.fixture
def sample_path(sample_template, tmp_path) -> Path:
    path = tmp_path / "sample.upr"
    shutil.copyfile(sample_template, path)
    return path


@pytest.fixture
def sample_project(sample_path):
    from annotator.store.project import open_project

    project = open_project(sample_path)
    yield project
    project.close()


@pytest.fixture
def rid(sample_project) -> int:
    """The sample's first recommendation."""
    from sqlalchemy import select

    from annotator.store.models import Recommendation

    with sample_project.session() as session:
        return session.scalar(select(Recommendation.id).order_by(Recommendation.id))


@pytest.fixture
def empty_project(tmp_path):
    from annotator.services.projects import init_project

    project = init_project(tmp_path / "empty.upr")
    yield project
    project.close()


@pytest.fixture
def window(qtbot, sample_project, gui_settings):
    """The coding window on the sample, as Amina, shown and active."""
    from annotator.gui.main_window import MainWindow

    win = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(win)
    with qtbot.waitActive(win):  # offscreen show() does not activate: shortcuts need it
        win.show()
        win.activateWindow()
    return win


@pytest.fixture
def gui_settings(qapp, tmp_path):
    """QSettings kept in this test's own folder, starting empty."""
    from PySide6.QtCore import QSettings

    from annotator.gui.app import configure_application
    from annotator.gui.settings import AppSettings

    configure_application(qapp)
    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    settings = AppSettings()
    yield settings
    settings.sync()


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the whole run; the tests that need it fail loudly if
    it cannot start (skipped only with ANNOTATOR_SKIP_POSTGRES=1, said in the summary)."""
    if os.environ.get(pg.SKIP_VARIABLE) == "1":
        pytest.skip(f"PostgreSQL tests skipped on request ({pg.SKIP_VARIABLE}=1)")
    try:
        server = pg.start()
    except pg.ServerUnavailable as error:
        pytest.fail(f"PostgreSQL could not be started for the tests: {error}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> Path:
    """The wheel built once from this checkout, shared by the tests that read it
    (tests/test_wheel.py, tests/test_bundle_config.py): a build takes half a minute."""
    outdir = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(outdir)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    wheels = list(outdir.glob("upr_coder-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(params=BACKENDS)
def any_sample_project(request, tmp_path, sample_template):
    """The sample project on SQLite and on a real PostgreSQL server, in turn."""
    from annotator.services.projects import init_project
    from annotator.store.project import open_project

    if request.param == "sqlite":
        path = tmp_path / "sample.upr"
        shutil.copyfile(sample_template, path)
        project = open_project(path)
    else:
        project = init_project(request.getfixturevalue("postgres").new_database(), sample=True)
    yield project
    project.close()


# A test using one of these runs Qt widgets.
QT_FIXTURES = {"qtbot", "qapp", "gui_settings"}


def pytest_collection_modifyitems(items) -> None:
    """Every test that uses the PostgreSQL server is marked, so `pytest -m postgresql`
    runs exactly those; every Qt test (the tests/test_gui_*.py files, and any other test
    using a Qt fixture) is marked gui, so `pytest -m "not gui"` runs the core alone."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        fixtures = set(getattr(item, "fixturenames", ()))
        on_server = callspec is not None and "postgresql" in callspec.params.values()
        if on_server or "postgres" in fixtures:
            item.add_marker(pytest.mark.postgresql)
        if item.path.name.startswith("test_gui_") or fixtures & QT_FIXTURES:
            item.add_marker(pytest.mark.gui)
