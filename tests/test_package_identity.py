"""A package's identities are compared as parsed uuids: two records whose uuids differ
only in how they are written (letter case, dashes) are one identity, and refuse it."""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path

import pytest

from annotator.services import packages
from annotator.services.packages import PackageRefused
from tests.roles import coordinator_id
from tests.test_packages import checksum, code_in, file_digest, note, pkg_rec, team

TEAM = team  # the fixture of tests/test_packages.py, used by name below


def _respell(path: Path, table: str, take_from: int, give_to: int, how) -> tuple[str, str]:
    """Give record ``give_to`` of ``table`` the uuid of ``take_from``, spelled by ``how``."""
    connection = sqlite3.connect(path)
    with connection:
        original = connection.execute(
            f"SELECT uuid FROM {table} WHERE id = ?", (take_from,)
        ).fetchone()[0]
        respelled = how(original)
        assert respelled != original and uuid.UUID(respelled) == uuid.UUID(original)
        connection.execute(f"UPDATE {table} SET uuid = ? WHERE id = ?", (respelled, give_to))
    connection.close()
    return original, respelled


SPELLINGS = {
    "upper case": str.upper,
    "with dashes": lambda text: str(uuid.UUID(text)),
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
@pytest.mark.parametrize(
    ("table", "what"),
    [
        ("recommendation", "two recommendations"),
        ("coder", "two coders"),
        ("annotation", "two codes or notes"),
    ],
)
def test_uuids_written_differently_are_one_identity_and_refused(team, table, what, spelling):
    path = team.package("Amina", assignment=[1, 2, 3])
    code_in(
        path,
        "Amina",
        lambda s, spec: [
            s.save(pkg_rec(path, team.master, rid), *note(spec, "notes", f"note {rid}"))
            for rid in (1, 2)
        ],
    )
    connection = sqlite3.connect(path)
    ids = [row[0] for row in connection.execute(f"SELECT id FROM {table} ORDER BY id LIMIT 2")]
    connection.close()
    if len(ids) < 2:  # the package holds one coder only: add the other half of the pair
        connection = sqlite3.connect(path)
        with connection:
            connection.execute(
                "INSERT INTO coder (uuid, name, role, created_at) "
                f"VALUES ('{uuid.uuid4().hex}', 'Zed', 'coder', '2026-01-01 00:00:00')"
            )
        connection.close()
        ids = [ids[0], ids[0] + 1]
    original, respelled = _respell(path, table, ids[0], ids[1], SPELLINGS[spelling])
    before = checksum(team.master)
    master_file = team.master_path.read_bytes()
    with pytest.raises(PackageRefused) as refused:
        packages.merge(team.master, [path], by_coder_id=team.olga)
    message = str(refused.value)
    assert str(path) in message
    assert f"{what} (its records {ids[0]} and {ids[1]}) carry the same identity" in message
    assert re.search(re.escape(repr(original)[:40]), message)
    assert re.search(re.escape(repr(respelled)[:40]), message)
    assert "make the package again" in message
    assert checksum(team.master) == before
    assert team.master_path.read_bytes() == master_file


def test_a_later_package_of_the_coder_still_merges(team):
    """The refused package left nothing that blocks the coder's next one."""
    bad = team.package("Amina", assignment=[1, 2])
    _respell(bad, "recommendation", 1, 2, str.upper)
    before = file_digest(bad)
    boss = coordinator_id(team.master)
    with pytest.raises(PackageRefused):
        packages.merge(team.master, [bad], by_coder_id=boss)
    assert file_digest(bad) == before
    good = team.folder / "amina-2.upr"
    packages.create_package(team.master, "Amina", good, assignment=[1, 2], made_by_id=boss)
    code_in(
        good,
        "Amina",
        lambda s, spec: s.save(pkg_rec(good, team.master, 1), *note(spec, "notes", "kept")),
    )
    plan = packages.merge(team.master, [good], by_coder_id=team.olga)
    assert plan.writes_anything
