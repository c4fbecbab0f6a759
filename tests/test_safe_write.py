"""Every file the app writes follows one rule (annotator.store.safe_write): never over the
open project, its working files or backups, nor over another project unless asked for;
written under a temporary name and renamed; what a killed writer left is swept."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator.services import packages
from annotator.services.coders import get_or_create_coder
from annotator.services.exporting import ExportOptions, export
from annotator.services.packages import package_file_names
from annotator.store.backups import backup_folder
from annotator.store.project import open_project
from annotator.store.safe_write import (
    TEMP_PREFIX,
    OutputRefused,
    check_target,
    scratch_folder,
    written_whole,
)
from tests.roles import coordinator_id
from tests.test_cli import annotator


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def project_digests(path: Path) -> dict[str, str]:
    """The project file and the working files beside it, by name."""
    return {
        p.name: digest(p)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if p.exists() and p.name.endswith((".upr", "-wal"))
    }


@pytest.fixture
def with_coder(sample_path):
    project = open_project(sample_path)
    with project.write() as session:
        get_or_create_coder(session, "Ben")
        get_or_create_coder(session, "Olga", role="coordinator")
    project.close()
    return sample_path


# ----------------------------------------------------------- outputs onto the project


@pytest.mark.parametrize(
    "command",
    [
        ["export"],
        ["export", "--format", "csv"],
        ["export", "--coding-sheet", "--coder", "Ben"],
        ["irr", "--out"],
    ],
    ids=["xlsx", "csv", "coding-sheet", "irr"],
)
def test_an_output_named_like_the_open_project_is_refused_and_the_project_kept(with_coder, command):
    path = with_coder
    before = project_digests(path)
    result = annotator(*command[:1], "--db", str(path), *command[1:], str(path))
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert f"{path} was not written: it is the open project" in result.stderr
    assert "Choose another file name" in result.stderr
    assert project_digests(path) == before
    assert not backup_folder(path).exists()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_any_other_project_file_is_not_replaced_by_an_export(with_coder, tmp_path):
    other = tmp_path / "other.upr"
    annotator("init", "--db", str(other))
    before = digest(other)
    result = annotator("export", "--db", str(with_coder), str(other))
    assert result.returncode == 1
    assert f"{other} was not written: it is a UPR Coder project" in result.stderr
    assert digest(other) == before


def test_the_projects_working_files_and_backups_folder_are_refused(sample_project, tmp_path):
    path = sample_project.path
    folder = backup_folder(path)
    folder.mkdir()
    for target, why in (
        (path.with_name(path.name + "-wal"), "it is the open project"),
        (path.with_name(path.name + "-shm"), "it is the open project"),
        (folder / "report.xlsx", "inside the project's backups folder"),
    ):
        with pytest.raises(OutputRefused, match=why):
            export(sample_project, target)
        assert not (target.exists() and target.suffix == ".xlsx")
    # The same folder seen from a writer that does not know the open project.
    with pytest.raises(OutputRefused, match="inside the backups folder"):
        check_target(folder / "report.csv")
    with pytest.raises(OutputRefused, match="working file of the project"):
        check_target(path.with_name(path.name + "-wal"))


def test_a_symlink_to_the_project_is_the_project(sample_project, tmp_path):
    link = tmp_path / "alias.xlsx"
    link.symlink_to(sample_project.path)
    before = digest(sample_project.path)
    with pytest.raises(OutputRefused, match="it is the open project"):
        export(sample_project, link)
    assert digest(sample_project.path) == before


def test_package_overwrite_onto_the_master_is_refused(with_coder):
    path = with_coder
    before = project_digests(path)
    result = annotator(
        "package", "create", "--db", str(path), "--coder", "Ben", "--overwrite", str(path)
    )
    assert result.returncode == 1
    assert f"{path} was not written: it is the open project" in result.stderr
    assert project_digests(path) == before


def test_package_overwrite_onto_an_old_package_replaces_it(with_coder, tmp_path):
    master = open_project(with_coder)
    try:
        out = tmp_path / "ben.upr"
        boss = coordinator_id(master)
        first = packages.create_package(master, "Ben", out, made_by_id=boss)
        with pytest.raises(packages.PackageError, match="already exists"):
            packages.create_package(master, "Ben", out, made_by_id=boss)
        second = packages.create_package(master, "Ben", out, overwrite=True, made_by_id=boss)
    finally:
        master.close()
    assert second.package_uuid != first.package_uuid
    assert packages.read_package(out).marker.package_uuid == second.package_uuid
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ben")) == ["ben.upr"]


# -------------------------------------------------------------------------- long names


def test_names_up_to_255_bytes_are_written_and_longer_ones_refused(sample_project, tmp_path):
    for length in (252, 255):
        out = tmp_path / ("é" * ((length - 5) // 2) + "x" * ((length - 5) % 2) + ".xlsx")
        assert len(os.fsencode(out.name)) == length
        result = export(
            sample_project,
            out,
            ExportOptions(reliability=False),
            by_coder_id=coordinator_id(sample_project),
        )
        assert result.path == out and out.stat().st_size > 0
    too_long = tmp_path / ("a" * 251 + ".xlsx")
    with pytest.raises(OutputRefused, match="its name is 256 bytes long") as refused:
        export(sample_project, too_long, by_coder_id=coordinator_id(sample_project))
    assert "at most 255" in str(refused.value) and "Choose a shorter name" in str(refused.value)


def test_a_package_name_of_255_bytes(with_coder, tmp_path):
    master = open_project(with_coder)
    try:
        out = tmp_path / ("p" * 251 + ".upr")
        packages.create_package(master, "Ben", out, made_by_id=coordinator_id(master))
    finally:
        master.close()
    assert packages.read_package(out).marker.coder_name == "Ben"


# ------------------------------------------------------------- temporary files, kills

KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from annotator.store.safe_write import scratch_file, temporary_path
    handle, scratch = scratch_file(".xml")
    os.write(handle, b"<row/>" * 200_000)
    partial = temporary_path(Path(sys.argv[1]))
    partial.write_bytes(b"half a workbook")
    print(scratch, partial, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_what_a_killed_writer_leaves_is_swept_at_the_next_open(sample_path, tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(sample_path.parent / "export.xlsx")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == -9
    scratch, partial = (Path(p) for p in run.stdout.split())
    assert scratch.parent == scratch_folder() and scratch.stat().st_size == 1_200_000
    assert partial.parent == sample_path.parent and partial.name.startswith(TEMP_PREFIX)
    # A live writer's files (this process's) are left alone.
    mine = sample_path.parent / f"{TEMP_PREFIX}{os.getpid()}-busy.xlsx"
    mine.write_bytes(b"being written")
    open_project(sample_path).close()
    assert not scratch.exists() and not partial.exists()
    assert mine.exists()
    assert not (sample_path.parent / "export.xlsx").exists()


def test_a_failed_write_leaves_nothing_and_the_old_file_stays(tmp_path):
    out = tmp_path / "report.csv"
    out.write_text("the old report", encoding="utf-8")
    with pytest.raises(RuntimeError), written_whole(out) as partial:
        partial.write_text("half of the new one", encoding="utf-8")
        raise RuntimeError("the disk went away")
    assert out.read_text(encoding="utf-8") == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_a_stopped_export_leaves_no_rows_file(sample_project, tmp_path):
    from annotator.services.exporting import ExportCancelled

    before = {p.name for p in scratch_folder().iterdir() if p.name.startswith(TEMP_PREFIX)}

    def stop(_label: str, done: int, _total: int) -> None:
        if done:
            raise ExportCancelled()

    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(ExportCancelled):
        export(
            sample_project,
            folder / "x.xlsx",
            progress=stop,
            by_coder_id=coordinator_id(sample_project),
        )
    after = {p.name for p in scratch_folder().iterdir() if p.name.startswith(TEMP_PREFIX)}
    assert after <= before
    assert list(folder.iterdir()) == []


# -------------------------------------------------------------------- package names


def test_coders_whose_names_clean_alike_get_different_package_files():
    names = package_file_names("Team: 2024", ["Ben", "Ben.", "ben", "Amina", "Ben?", "..."])
    assert names == {
        "Ben": "Team_ 2024 - Ben.upr",
        "Ben.": "Team_ 2024 - Ben (2).upr",
        "ben": "Team_ 2024 - ben (3).upr",
        "Amina": "Team_ 2024 - Amina.upr",
        "Ben?": "Team_ 2024 - Ben_.upr",
        "...": "Team_ 2024 - coder.upr",
    }
    long = package_file_names("p" * 300, ["Ben"])["Ben"]
    assert len(os.fsencode(long)) <= 255 and long.endswith(".upr")


def test_a_killed_exports_scratch_folder_is_swept_and_a_running_ones_kept(tmp_path):
    from annotator.store.safe_write import TEMP_PREFIX, sweep_folder

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / f"{TEMP_PREFIX}{gone.stdout.strip()}-abc"
    (dead / "worksheets").mkdir(parents=True)
    (dead / "worksheets" / "sheet1.xml").write_text("<rows/>")
    alive = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-def"
    alive.mkdir()
    (alive / "sheet1.xml").write_text("<rows/>")

    removed = sweep_folder(tmp_path)

    assert removed == [dead]
    assert not dead.exists()
    assert (alive / "sheet1.xml").exists()
