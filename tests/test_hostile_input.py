"""Issue 13, the input side: every hostile file or situation found ends in a named refusal.

Files that used to abort the process (a Rust allocation failure no ``except`` catches)
are imported in a subprocess, so an abort fails the test instead of killing pytest.
Each test makes its own hostile file and checks the project is byte-identical after.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from annotator.importers import detect, files
from annotator.importers.files import SourceFileError
from tests import hostile_files as hostile
from tests.cli_runner import run_annotator as annotator
from tests.roles import coordinator_id

DATA = Path(__file__).parent / "data"
MATRIX_CSV = DATA / "china_cycle3_2018_matrix.csv"


def annotator_process(*args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    """`python -m annotator ARGS`, for files that used to abort or hang the process; the
    rest of this file runs the command in-process (tests/cli_runner.py)."""
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project_file(sample_path) -> Path:
    return sample_path


def refused(project: Path, *args: str) -> str:
    """Run an import that must be refused cleanly; returns what it printed."""
    before = digest(project)
    result = annotator_process("import", "--db", str(project), *args)
    printed = result.stdout + result.stderr
    assert result.returncode == 1, (result.returncode, printed)  # not -6 (abort)
    assert "Traceback" not in printed
    assert digest(project) == before
    return printed


# -- 2. containers ---------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "cells-only"])
@pytest.mark.parametrize("fmt", [None, "uprinfo", "uhri", "table"])
def test_a_far_away_cell_is_refused_not_an_abort(tmp_path, project_file, declared, fmt):
    book = hostile.far_cell_xlsx(tmp_path / "far.xlsx", declared=declared)
    assert book.stat().st_size < 10_000
    options = ["--format", fmt] if fmt else []
    if fmt == "table":
        options += ["--review", "China:3", "--map", "number=Para,text=Recommendation"]
    printed = refused(project_file, *options, str(book))
    what = (
        "it declares its size as A1:XFD1048576, that is" if declared else "its filled cells reach"
    )
    assert f"far.xlsx, sheet 1: {what} 1,048,576 rows by 16,384 columns" in printed
    assert "the limit is 4,000,000 cells" in printed


def test_an_ods_with_90_million_repeated_cells_is_refused(tmp_path, project_file):
    book = hostile.repeated_ods(tmp_path / "repeated.ods")
    assert book.stat().st_size < 2_000
    printed = refused(project_file, str(book))
    assert (
        "repeated.ods, sheet 'Sheet1': its filled cells, repeats counted out, reach "
        "10,001 rows by 9,000 columns (90,009,000 cells" in printed
    )


def test_an_ods_as_libreoffice_writes_it_still_imports(tmp_path, empty_project):
    """Trailing empty repeats (a million rows, 1,024 columns) cost nothing and pass."""
    book = hostile.plain_ods(
        tmp_path / "plain.ods",
        [["Para", "Recommendation"], ["1.1", "Ratify the Convention against Torture"]],
    )
    batch = detect.read(
        "table",
        book,
        review=detect.ReviewRecord("FRA", 3),
        mapping={"number": "Para", "text": "Recommendation"},
    )
    assert [r.text for r in batch.recommendations] == ["Ratify the Convention against Torture"]
    assert batch.errors == []


def test_a_zip_bomb_docx_is_refused_by_its_declared_size(tmp_path, project_file):
    bomb = hostile.zip_bomb_docx(tmp_path / "bomb.docx", 300)
    assert bomb.stat().st_size < 1_000_000
    printed = refused(project_file, str(bomb))
    assert (
        "bomb.docx: its part 'word/document.xml' says it unpacks to more than 80 MB "
        "(limit: 80 MB for one part, unpacked)" in printed
    )


def test_a_zip_bomb_with_forged_sizes_is_caught_while_unpacking(tmp_path, project_file):
    bomb = hostile.forged_size_docx(tmp_path / "forged.docx")
    printed = refused(project_file, str(bomb))
    assert "forged.docx is damaged: its parts cannot be unpacked" in printed


def test_a_container_of_too_many_parts_is_refused(tmp_path):
    many = hostile.many_parts_zip(tmp_path / "many.docx", 6_000)
    with pytest.raises(SourceFileError, match=r"many.docx holds 6,01\d parts"):
        detect.detect_format(many)


def test_billion_laughs_in_a_docx_is_refused_at_detection(tmp_path, project_file):
    laughs = hostile.billion_laughs_docx(tmp_path / "laughs.docx")
    printed = refused(project_file, str(laughs))
    assert "laughs.docx: its part 'word/document.xml' declares XML entities" in printed


def test_a_malformed_docx_is_named_damaged_at_detection(tmp_path, project_file):
    broken = hostile.malformed_docx(tmp_path / "broken.docx")
    with pytest.raises(SourceFileError, match=r"broken\.docx is damaged: Word's document"):
        detect.detect_format(broken)
    printed = refused(project_file, str(broken))
    assert "broken.docx is damaged" in printed


def test_import_codes_ignores_a_far_away_cell(tmp_path, project_file):
    """It used to pad every row to 16,384 cells and run for tens of minutes."""
    from annotator.services.coders import get_or_create_coder
    from annotator.store.project import open_project

    project = open_project(project_file)
    with project.write() as session:
        get_or_create_coder(session, "Amina")
    project.close()
    sheet = tmp_path / "amina.xlsx"
    made = annotator(
        "export",
        "--db",
        str(project_file),
        "--coding-sheet",
        "--coder",
        "Amina",
        str(sheet),
        "--as",
        "Amina",
    )
    assert made.returncode == 0, made.stderr
    book = openpyxl.load_workbook(sheet)
    coding = book.worksheets[0]
    coding["XFD1048576"] = "stray"
    book.save(sheet)
    result = annotator_process(
        "import-codes", "--db", str(project_file), "--as", "Amina", "--dry-run", str(sheet)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Dry run: nothing was written." in result.stdout


# -- 3. encodings ----------------------------------------------------------------------


def test_one_bad_byte_in_a_utf8_file_is_named_and_the_rest_stays_utf8(tmp_path):
    text = MATRIX_CSV.read_text(encoding="utf-8").replace("Continue", "Organization’s", 1)
    lines = text.split("\n")
    data = "\n".join(lines[:3]).encode() + b"\n" + lines[3].encode()[:20] + b"\x92"
    data += lines[3].encode()[20:] + b"\n" + "\n".join(lines[4:]).encode()
    path = tmp_path / "matrix.csv"
    path.write_bytes(data)
    batch = detect.read("matrix-csv", path)
    assert "Organization’s" in " ".join(r.text for r in batch.recommendations)
    offset = data.index(b"\x92")
    assert [str(p) for p in batch.errors] == [
        f"matrix.csv, line 4: byte offset {offset:,}: 92 is not UTF-8 text (the rest of the "
        "file is); the character there was lost. Correct it in the file (save it as UTF-8 "
        "from the program that made it) and import again"
    ]
    assert not any("guessed" in note for note in batch.notes)


def test_a_file_not_utf8_at_all_says_which_encoding_was_guessed(tmp_path):
    path = tmp_path / "matrix.csv"
    text = MATRIX_CSV.read_text(encoding="utf-8").replace("Continue", "Organization’s", 1)
    path.write_bytes(text.replace("\n", "\r").encode("mac_roman", errors="replace"))
    batch = detect.read("matrix-csv", path)
    assert batch.errors == []
    assert "Organization’s" in " ".join(r.text for r in batch.recommendations)
    assert any("encoding was guessed as Mac Roman" in note for note in batch.notes)


# -- 4. limits at entry ----------------------------------------------------------------


def _matrix_rows() -> tuple[list[str], list[list[str]]]:
    with MATRIX_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_matrix_csv_applies_the_text_limit(tmp_path, project_file):
    header, rows = _matrix_rows()
    rows[0][header.index("recommendation")] = "x" * 5_000_000
    path = _write_csv(tmp_path / "long.csv", header, rows[:3])
    printed = refused(project_file, str(path))
    assert (
        "long.csv, row 2: the recommendation's text holds 5,000,000 characters; at most "
        "20,000 are imported" in printed
    )


def test_a_csv_field_over_the_csv_modules_limit_is_named(tmp_path, project_file):
    path = tmp_path / "table.csv"
    path.write_text(
        'Para,Recommendation\n1.1,"Ratify"\n1.2,"' + "y" * 200_000 + '"\n', encoding="utf-8"
    )
    printed = refused(
        project_file,
        "--review",
        "China:3",
        "--map",
        "number=Para,text=Recommendation",
        str(path),
    )
    assert "table.csv, row 3, column 'Recommendation': holds 200,000 characters" in printed
    assert "field larger than field limit" not in printed


def test_duplicate_numbers_in_a_matrix_csv_name_both_rows(tmp_path, project_file):
    header, rows = _matrix_rows()
    path = _write_csv(tmp_path / "twice.csv", header, [rows[0], rows[1], rows[0]])
    printed = refused(project_file, str(path))
    number = rows[0][header.index("number")]
    assert f"twice.csv, row 4: recommendation {number} appears twice (also at row 2)" in printed
    assert "zip()" not in printed


def test_duplicate_numbers_in_a_mapped_table_name_both_rows(tmp_path, project_file):
    path = tmp_path / "table.csv"
    path.write_text("Para,Recommendation\n9.1,Ratify A\n9.2,Ratify B\n9.1,Ratify C\n")
    printed = refused(
        project_file, "--review", "China:3", "--map", "number=Para,text=Recommendation", str(path)
    )
    assert "table.csv, row 4: recommendation 9.1 appears twice (also at row 2)" in printed


def test_map_implies_the_table_format(tmp_path, empty_project):
    # Three short columns, numbers first: detection would take it for a list of responses.
    path = tmp_path / "list.csv"
    path.write_text("Para,Recommendation,Note\n9.1,Ratify A,x\n9.2,Ratify B,y\n")
    project = empty_project.path
    result = annotator(
        "import", "--db", str(project), "--dry-run", "--review", "China:3",
        "--map", "number=Para,text=Recommendation", str(path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "File: list.csv (table)" in result.stdout


def test_a_coders_note_has_the_one_limit(sample_project):
    from annotator.limits import MAX_CODER_TEXT
    from annotator.services.coders import get_or_create_coder
    from annotator.services.coding import CodingService, FieldValue

    with sample_project.write() as session:
        coder_id = get_or_create_coder(session, "Amina").id
    service = CodingService(sample_project, coder_id)
    notes = service.form().field_by_key("notes")
    rid = 1
    service.save(rid, notes.id, FieldValue(text="😀" * MAX_CODER_TEXT))
    with pytest.raises(ValueError, match=r"A note can be at most 20,000 characters"):
        service.save(rid, notes.id, FieldValue(text="n" * (MAX_CODER_TEXT + 1)))
    with pytest.raises(ValueError, match=r"A flag's reason can be at most 20,000"):
        service.set_status(rid, "flagged", reason="r" * (MAX_CODER_TEXT + 1))
    assert service.values(rid)[notes.id].text == "😀" * MAX_CODER_TEXT


def test_the_merge_accepts_the_longest_note_the_app_can_write(tmp_path, sample_project):
    """20,000 emoji: its audit event is 240,000 characters of JSON; the package passes."""
    from annotator.limits import MAX_CODER_TEXT
    from annotator.services.coders import get_or_create_coder
    from annotator.services.coding import CodingService, FieldValue
    from annotator.services.packages import create_package, merge
    from annotator.store.project import open_project

    with sample_project.write() as session:
        get_or_create_coder(session, "Amina")
    package = tmp_path / "amina.upr"
    create_package(sample_project, "Amina", package, made_by_id=coordinator_id(sample_project))
    coder_copy = open_project(package)
    try:
        with coder_copy.session() as session:
            from annotator.services.coders import find_coder

            coder_id = find_coder(session, "Amina").id
        service = CodingService(coder_copy, coder_id)
        notes = service.form().field_by_key("notes")
        service.save(1, notes.id, FieldValue(text="😀" * MAX_CODER_TEXT))
    finally:
        coder_copy.close()
    plan = merge(sample_project, [package], by_coder_id=coordinator_id(sample_project))
    assert plan.writes_anything


# -- 6. failures a person can cause ----------------------------------------------------


@pytest.mark.parametrize(
    "url, said",
    [
        ("mysql://user@host/upr", "'mysql://user@host/upr' is a mysql database"),
        ("sqlite:///:memory:", "'sqlite:///:memory:' is not a project file"),
        ("postgresql+psycopg2://u@h/db", "write the address as postgresql+psycopg://"),
    ],
)
def test_unsupported_database_urls_are_named(url, said):
    result = annotator("info", "--db", url)
    assert result.returncode == 1
    assert said in result.stderr and "Traceback" not in result.stderr


def test_a_locked_project_on_a_command_line_write_is_named(tmp_path, project_file):
    holder = sqlite3.connect(project_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        printed = refused(project_file, str(MATRIX_CSV))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "is in use: another program is saving to it" in printed


@contextlib.contextmanager
def write_protected(path: Path):
    """The file made immutable (chattr +i): read-only even for root, as on a locked share."""
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_project_is_named_on_the_command_line(project_file):
    before = digest(project_file)
    with write_protected(project_file):
        info = annotator("info", "--db", str(project_file))
        assert info.returncode == 0, info.stderr
        printed = refused(project_file, str(MATRIX_CSV))
    assert "This project is read-only" in printed
    assert digest(project_file) == before


def test_the_app_refuses_edits_on_a_read_only_project(qtbot, project_file, gui_settings):
    from annotator.gui.main_window import MainWindow
    from annotator.store.project import open_project

    with write_protected(project_file):
        project = open_project(project_file)
        assert project.read_only
        window = MainWindow(project, "Amina", gui_settings)
        qtbot.addWidget(window)
        window.show()
        assert not window.form.isEnabled()
        assert "read-only" in window.saved_label.text()
        assert "Saved" not in window.saved_label.text()
        assert not window.import_action.isEnabled()
        assert not window.has_unsaved()  # nothing typed, nothing lost: closing asks nothing
        window.close()


def test_a_full_disk_keeps_the_change_pending(window_on_full_disk, qtbot):
    window, free_space = window_on_full_disk
    torture = next(c.id for c in window.spec.field_by_key("themes").codes if c.key == "torture")
    window.toggle_code(torture)
    assert window.has_unsaved()
    # saves run on the writer thread: the refusal reaches the window as a signal
    qtbot.waitUntil(
        lambda: window.saved_label.text() == "Not saved: the disk is full; trying again…",
        timeout=5_000,
    )
    free_space()
    qtbot.waitUntil(lambda: not window.has_unsaved(), timeout=10_000)
    themes = window.spec.field_by_key("themes").id
    assert window.service.values(window.current_id)[themes].codes == {torture}


@contextlib.contextmanager
def small_disk(folder: Path):
    """A real 16 MB disk (tmpfs) at ``folder``; skipped where it cannot be mounted."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small disk here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler.bin"
    with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:  # until the disk is full
            handle.write(b"\0" * 4096)
    return filler


@pytest.fixture
def window_on_full_disk(qtbot, tmp_path, sample_path, gui_settings):
    """A real full disk: a small tmpfs holding the project, filled up by another file."""
    import shutil

    from annotator.gui.main_window import MainWindow
    from annotator.store.project import open_project

    with small_disk(tmp_path / "disk") as disk:
        shutil.copyfile(sample_path, disk / "sample.upr")
        project = open_project(disk / "sample.upr")
        window = MainWindow(project, "Amina", gui_settings)
        qtbot.addWidget(window)
        window.show()
        window.table.selectRow(0)
        filler = fill(disk)
        yield window, filler.unlink
        window.close()
        project.close()


def test_a_full_disk_on_a_command_line_write_is_named(tmp_path, sample_path):
    import shutil

    with small_disk(tmp_path / "disk") as disk:
        project = disk / "sample.upr"
        shutil.copyfile(sample_path, project)
        opened = annotator("info", "--db", str(project))  # makes the -wal and -shm files
        assert opened.returncode == 0, opened.stderr
        fill(disk)
        table = tmp_path / "new.csv"
        rows = "".join(f"99.{i},Ratify convention {i} {'x' * 2000}\n" for i in range(400))
        table.write_text("Para,Recommendation\n" + rows)
        printed = refused(
            project, "--review", "China:3", "--map", "number=Para,text=Recommendation", str(table)
        )
    assert "is full: the change was not saved. Free some space" in printed


def test_an_unexpected_error_goes_to_the_log_with_its_path(monkeypatch, tmp_path, capsys):
    from annotator import cli, errorlog
    from annotator.cli import commands

    log = tmp_path / "log" / "errors.log"
    monkeypatch.setattr(errorlog, "log_path", lambda: log)

    def broken(_target, _args) -> int:
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setitem(commands.HANDLERS, "info", broken)
    assert cli.main(["info", "--db", str(tmp_path / "x.upr")]) == 2
    said = capsys.readouterr().err
    assert "RuntimeError: a bug nobody foresaw" in said and str(log) in said
    assert "Traceback" not in said
    assert "Traceback" in log.read_text()


def test_a_name_too_long_is_named(tmp_path, project_file):
    out = tmp_path / ("x" * 300 + ".xlsx")
    result = annotator("export", "--db", str(project_file), str(out))
    assert result.returncode == 1
    # Refused before anything is written, with the name's length and what to do.
    assert "its name is 305 bytes long" in result.stderr
    assert "Choose a shorter name" in result.stderr and "Traceback" not in result.stderr


# -- fuzz -------------------------------------------------------------------------------


def test_the_csv_field_limit_is_lifted_for_every_reader():
    assert csv.field_size_limit() >= files.MAX_FILE_BYTES


def test_a_word_document_too_large_to_hold_is_refused(tmp_path):
    """python-docx keeps the whole tree (about 150 bytes a tag): the tag count is bounded."""
    parts = hostile._docx_bytes()
    head, tail = parts["word/document.xml"].split(b"<w:body>", 1)
    body = b"<w:p><w:r><w:t>ab</w:t></w:r></w:p>" * 260_000  # 1.56 million tags
    document = hostile.docx_with(
        tmp_path / "huge.docx", "word/document.xml", head + b"<w:body>" + body + tail
    )
    with pytest.raises(
        SourceFileError,
        match=r"huge\.docx: its Word document holds more than 1,500,000 pieces of markup",
    ):
        detect.detect_format(document)


def test_the_note_box_says_how_much_room_is_left(qtbot, sample_project, gui_settings):
    from annotator.gui.main_window import MainWindow
    from annotator.limits import MAX_CODER_TEXT

    window = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(window)
    window.show()
    window.table.selectRow(0)
    notes = window.form.first_text()
    assert notes.room.text() == "20,000 characters left"
    notes.box.setPlainText("Ratification of OPCAT was also asked in 2013.")
    assert notes.room.text() == "19,955 characters left"
    notes.box.setPlainText("p" * (MAX_CODER_TEXT + 5_000))  # a paste past the limit
    assert len(notes.box.toPlainText()) == MAX_CODER_TEXT
    assert notes.room.text() == "Full (20,000 at most): 5,000 characters left out"
    notes.flush()
    field = window.spec.field_by_key("notes").id
    assert window.service.values(window.current_id)[field].text == "p" * MAX_CODER_TEXT
    assert window.service.flush(5)  # saves run on the writer thread
    assert not window.has_unsaved()
