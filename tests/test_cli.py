"""The `annotator` command, run as a person runs it: in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator import __version__


def annotator(*args: str, env: dict | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_version():
    result = annotator("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"UPR Coder {__version__}"


def test_init_sample_then_info(tmp_path):
    db = tmp_path / "china.upr"
    result = annotator("init", "--sample", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "Recommendations: 346" in result.stdout
    assert db.is_file()

    info = annotator("info", "--db", str(db))
    assert info.returncode == 0, info.stderr
    assert "China, cycle 3, 2018, A/HRC/40/6: 346 recommendations" in info.stdout
    assert "Codebook: UPR recommendations (version 1)" in info.stdout
    assert "Coders: 0" in info.stdout


def test_info_counts_each_coders_recommendations_by_status(sample_path):
    from annotator.services.bulk import write_statuses
    from annotator.services.coders import get_or_create_coder
    from annotator.store.project import open_project

    project = open_project(sample_path)
    with project.write() as session:
        amina = get_or_create_coder(session, "Amina")
        ids = list(range(1, 11))
        statuses = ["done"] * 6 + ["flagged"] * 2 + ["in_progress"] * 2
        write_statuses(session, [(i, amina.id, s) for i, s in zip(ids, statuses, strict=True)])
        get_or_create_coder(session, "Ben", role="adjudicator")
    project.close()
    info = annotator("info", "--db", str(sample_path))
    assert info.returncode == 0, info.stderr
    assert (
        "Amina (coder): not started 336, in progress 2, done 6, flagged 2, skipped 0" in info.stdout
    )
    assert "Ben (adjudicator): not started 346, in progress 0, done 0" in info.stdout


def test_db_from_environment(tmp_path):
    db = tmp_path / "env.upr"
    assert annotator("init", env={"ANNOTATOR_DB": str(db)}).returncode == 0
    assert db.is_file()
    assert "Recommendations: 0" in annotator("info", env={"ANNOTATOR_DB": str(db)}).stdout


def test_default_project_lives_in_the_user_data_folder(tmp_path, _isolated_user_folders):
    result = annotator("init")
    assert result.returncode == 0, result.stderr
    created = list(Path(_isolated_user_folders).rglob("project.upr"))
    assert len(created) == 1


def test_init_with_a_codebook_file(tmp_path):
    book = tmp_path / "mine.yaml"
    book.write_text(
        "format_version: 1\nname: Mine\nversion: 4\nfields:\n"
        "  - key: themes\n    label: Themes\n    kind: multi\n    codes:\n"
        "      - key: torture\n        label: Torture\n",
        encoding="utf-8",
    )
    db = tmp_path / "mine.upr"
    result = annotator("init", "--db", str(db), "--codebook", str(book))
    assert result.returncode == 0, result.stderr
    assert "Codebook: Mine (version 4)" in result.stdout


def test_init_with_a_bad_codebook_names_the_line_and_creates_nothing(tmp_path):
    book = tmp_path / "bad.yaml"
    book.write_text(
        "format_version: 1\nname: Bad\nfields:\n"
        "  - key: themes\n    label: Themes\n    kind: multi\n    codes:\n"
        "      - key: torture\n        label: Torture\n"
        "      - key: torture\n        label: Again\n",
        encoding="utf-8",
    )
    db = tmp_path / "bad.upr"
    result = annotator("init", "--db", str(db), "--codebook", str(book))
    assert result.returncode == 1
    assert "line 10" in result.stderr and "torture" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


def test_init_refuses_an_existing_project(sample_path):
    result = annotator("init", "--db", str(sample_path))
    assert result.returncode == 1
    assert "already a project" in result.stderr


@pytest.mark.parametrize("content", [b"", b"just some text\n"], ids=["empty", "text"])
def test_info_on_a_file_that_is_not_a_project(tmp_path, content):
    path = tmp_path / "notes.upr"
    path.write_bytes(content)
    result = annotator("info", "--db", str(path))
    assert result.returncode == 1
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == content


def test_info_on_a_missing_project(tmp_path):
    result = annotator("info", "--db", str(tmp_path / "missing.upr"))
    assert result.returncode == 1
    assert "There is no project" in result.stderr


@pytest.mark.parametrize("command", ["init", "info"])
def test_every_subcommand_has_help_with_an_example(command):
    result = annotator(command, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout
    assert "--db" in result.stdout


def test_main_help_lists_the_commands():
    result = annotator("--help")
    assert result.returncode == 0
    for word in ("init", "info", "--coder", "--version", "example:"):
        assert word in result.stdout
