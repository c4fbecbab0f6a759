"""The `annotator` command: in-process (tests/cli_runner.py), with a few smoke tests of
the program itself run as a person runs it, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator import __version__
from tests.cli_runner import run_annotator as annotator


def annotator_process(*args: str, env: dict | None = None, cwd: Path | None = None):
    """`python -m annotator ARGS`: for the smoke tests of the program as installed."""
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_version():
    result = annotator_process("--version")
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
    result = annotator_process("info", "--db", str(tmp_path / "missing.upr"))
    assert result.returncode == 1
    assert "There is no project" in result.stderr


@pytest.mark.parametrize("command", ["init", "info", "import"])
def test_every_subcommand_has_help_with_an_example(command):
    result = annotator(command, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout
    assert "--db" in result.stdout


def test_main_help_lists_the_commands():
    result = annotator_process("--help")
    assert result.returncode == 0
    for word in ("init", "info", "import", "--coder", "--version", "example:"):
        assert word in result.stdout


DATA = Path(__file__).parent / "data"


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()


def test_import_dry_run_then_import_then_again(tmp_path):
    db = tmp_path / "p.upr"
    assert annotator("init", "--db", str(db)).returncode == 0
    before = file_bytes(db)
    matrix = DATA / "slovenia_cycle3_2019_matrix.docx"

    dry = annotator("import", "--dry-run", "--db", str(db), str(matrix))
    assert dry.returncode == 0, dry.stderr
    assert "Recommendations: 215 new" in dry.stdout
    assert "Supported: 182" in dry.stdout and "Noted: 33" in dry.stdout
    assert "Dry run: nothing was written." in dry.stdout
    assert "Recommendations: 0" in annotator("info", "--db", str(db)).stdout
    assert file_bytes(db) == before

    done = annotator("import", "--db", str(db), str(matrix))
    assert done.returncode == 0, done.stderr
    assert "Imported." in done.stdout
    assert (
        "Slovenia, cycle 3, 2019, A/HRC/43/15: 215 recommendations"
        in annotator("info", "--db", str(db)).stdout
    )

    again = annotator("import", "--db", str(db), str(matrix))
    assert again.returncode == 0
    assert "Nothing new to import" in again.stdout


def test_import_a_pasted_style_report_needs_and_takes_a_review(tmp_path):
    db = tmp_path / "p.upr"
    assert annotator("init", "--db", str(db)).returncode == 0
    report = tmp_path / "report.txt"
    report.write_text(
        "150.1 Ratify the Optional Protocol to the Convention against Torture (Denmark);\n"
        "150.2 Abolish the death penalty (France) (Portugal, Spain);\n",
        encoding="utf-8",
    )
    refused = annotator("import", "--db", str(db), "--format", "wg-report", str(report))
    assert refused.returncode == 1
    assert "report.txt" in refused.stdout + refused.stderr
    assert "review" in (refused.stdout + refused.stderr).lower()

    result = annotator(
        "import", "--db", str(db), "--format", "wg-report", "--review", "Chile:4", str(report)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Recommendations: 2 new" in result.stdout
    assert "Joint recommendations (several recommending states): 1" in result.stdout


def test_import_of_a_bad_file_fails_clearly_and_writes_nothing(tmp_path):
    db = tmp_path / "p.upr"
    assert annotator("init", "--db", str(db)).returncode == 0
    fake = tmp_path / "matrix.docx"
    fake.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n")
    good = DATA / "slovenia_cycle3_2019_matrix.docx"
    before = file_bytes(db)
    result = annotator("import", "--db", str(db), str(good), str(fake))
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "matrix.docx" in output
    assert "Traceback" not in output
    assert "Nothing was imported" in result.stderr
    assert file_bytes(db) == before  # the good file was not half-imported either


def test_an_unknown_table_without_a_mapping_says_how_to_give_one(tmp_path):
    db = tmp_path / "p.upr"
    assert annotator("init", "--db", str(db)).returncode == 0
    table = tmp_path / "mine.csv"
    table.write_text(
        "Wording,Ref,Desk,Owner\nRatify the CRPD,1.1,A,Ana\nAbolish the death penalty,1.2,B,Li\n",
        encoding="utf-8",
    )
    before = file_bytes(db)
    result = annotator("import", "--db", str(db), "--review", "Chile:4", str(table))
    assert result.returncode == 1
    assert "mine.csv is a table of no known layout" in result.stdout
    assert "--map" in result.stderr and "Nothing was imported" in result.stderr
    assert file_bytes(db) == before


def test_import_with_a_column_mapping(tmp_path):
    db = tmp_path / "p.upr"
    assert annotator("init", "--db", str(db)).returncode == 0
    table = tmp_path / "mine.csv"
    table.write_text(
        "Para,Recommendation,State,Position,Theme\n"
        "1.1,Ratify the CRPD,Peru,accepted,disability\n"
        '1.2,=HYPERLINK("http://x"),Türkiye,noted,other\n',
        encoding="utf-8",
    )
    mapping = "number=Para,text=Recommendation,recommending_state=State,response=Position"
    result = annotator(
        "import", "--db", str(db), "--review", "Chile:4", "--map", mapping, str(table)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Recommendations: 2 new" in result.stdout
    from sqlalchemy import select

    from annotator.store.models import Recommendation, SourceTag
    from annotator.store.project import open_project

    project = open_project(db)
    with project.session() as session:
        texts = session.scalars(select(Recommendation.text).order_by(Recommendation.number))
        assert list(texts) == ["Ratify the CRPD", '=HYPERLINK("http://x")']
        tags = set(session.execute(select(SourceTag.kind, SourceTag.value)).all())
    project.close()
    assert ("Theme", "disability") in tags


def test_the_program_itself_creates_imports_and_exports(tmp_path):
    """Smoke test of `python -m annotator` end to end, as a person runs it: the entry
    point, each command's lazy imports, real files written and read back."""
    import openpyxl

    db = tmp_path / "p.upr"
    olga = {"ANNOTATOR_CODER": "Olga"}  # who creates the project is its coordinator
    made = annotator_process("init", "--db", str(db), env=olga)
    assert made.returncode == 0, made.stderr
    matrix = DATA / "slovenia_cycle3_2019_matrix.docx"
    done = annotator_process("import", "--db", str(db), str(matrix), env=olga)
    assert done.returncode == 0, done.stderr
    assert "Recommendations: 215 new" in done.stdout
    out = tmp_path / "coded.xlsx"
    exported = annotator_process("export", "--db", str(db), str(out), env=olga)
    assert exported.returncode == 0, exported.stderr
    assert "Exported 215 recommendations" in exported.stdout
    book = openpyxl.load_workbook(out, read_only=True)
    assert "Recommendations" in book.sheetnames
    rows = list(book["Recommendations"].iter_rows(values_only=True))
    assert len(rows) == 216  # the header and the 215 recommendations
    book.close()


@pytest.mark.parametrize(
    "args, status",
    [(("--help",), 0), (("coder",), 2), (("info", "--db", "{missing}"), 1)],
    ids=["help", "usage-error", "refusal"],
)
def test_in_process_the_command_answers_as_the_program_does(args, status, tmp_path):
    """tests/cli_runner.py stands in for `python -m annotator` in most tests: the same
    output and exit status, and the environment left as it was."""
    args = tuple(a.format(missing=tmp_path / "missing.upr") for a in args)
    before = (dict(os.environ), os.getcwd(), sys.argv, sys.stdin)
    inside = annotator(*args, env={"ANNOTATOR_CODER": "Olga"}, cwd=tmp_path)
    assert (dict(os.environ), os.getcwd(), sys.argv, sys.stdin) == before
    outside = annotator_process(*args, env={"ANNOTATOR_CODER": "Olga"}, cwd=tmp_path)
    assert inside.returncode == status
    assert (inside.returncode, inside.stdout, inside.stderr) == (
        outside.returncode,
        outside.stdout,
        outside.stderr,
    )
