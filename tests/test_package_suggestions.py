"""The traces of theme suggestions travel through a coder's package: what was shown and
what was accepted offline is what ``irr --without-suggestions`` leaves out after the merge."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from annotator.services import packages
from annotator.services import suggesting as sg
from annotator.services.coding import CodingService, FormSpec
from annotator.services.packages import PackageRefused
from annotator.services.sources import suggestion_marks
from annotator.store.models import Annotation, CodingStatus
from annotator.store.project import open_project
from tests.project_helpers import downgrade_file
from tests.test_packages import code_in, code_master, coder_id, codes, pkg_rec, team, work_of

TEAM = team  # the fixture of tests/test_packages.py, used by name below


def _accept(rid: int, *keys: str):
    """Code ``keys`` of the themes as if accepted from the suggestions."""

    def work(service: CodingService, spec: FormSpec) -> None:
        field_id, value = codes(spec, "themes", *keys)
        service.save(rid, field_id, value, accepted=value.codes)

    return work


def test_shown_and_accepted_survive_the_round_trip(team):
    amina = coder_id(team.master, "Amina")
    # Already in the master before the package: a status without suggestions (12), and
    # suggestions the coordinator's copy saw after the package was made (13).
    code_master(team, "Amina", lambda s, spec: s.set_status(12, "done"))
    out = team.package("Amina")
    sg.record_shown(team.master, amina, 13)

    package = open_project(out)
    try:
        mine = coder_id(package, "Amina")
        p10, p11, p12, p13 = (pkg_rec(out, team.master, r) for r in (10, 11, 12, 13))
        sg.record_shown(package, mine, p10)
        sg.record_shown(package, mine, p12)
    finally:
        package.close()
    code_in(out, "Amina", _accept(p10, "torture"))
    code_in(out, "Amina", lambda s, spec: s.save(p11, *codes(spec, "themes", "death_penalty")))
    code_in(out, "Amina", lambda s, spec: s.set_status(p13, "flagged", reason="recheck"))

    plan = packages.merge(team.master, [out], by_coder_id=team.olga).packages[0]
    assert plan.added == 2 and plan.statuses_changed == 1
    with team.master.session() as session:
        marks = suggestion_marks(session, [10, 11, 12, 13], amina)
        torture = session.scalars(
            select(Annotation.code_id).where(
                Annotation.recommendation_id == 10, Annotation.coder_id == amina
            )
        ).one()
        units = sg.units_with_suggestions(session)
        status_12 = session.scalars(
            select(CodingStatus.status).where(
                CodingStatus.recommendation_id == 12, CodingStatus.coder_id == amina
            )
        ).one()
    # 12: same status on both sides, only the package saw suggestions; 13: the package's
    # status wins, yet the master's suggestions were still seen.
    assert marks.shown == {(10, amina), (12, amina), (13, amina)}
    assert marks.accepted == {(10, amina): frozenset({torture})}  # 11 was ticked by hand
    assert {10, 12, 13} <= units and 11 not in units
    assert status_12 == "done"

    # Merging the same package again changes nothing.
    before = work_of(team.master, "Amina")
    again = packages.merge(team.master, [out], by_coder_id=team.olga).packages[0]
    assert again.statuses_changed == 0 and again.added == 0
    assert work_of(team.master, "Amina") == before


def _as_before_suggestions(path: Path) -> None:
    """Take the package back to format 0009, as an app without suggestions wrote it."""
    downgrade_file(path, "0009")
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()


def test_a_package_from_before_suggestions_merges_with_both_flags_false(team):
    """A coder whose app is not yet updated sends a package of format 0009."""
    out = team.package("Amina")
    rid = pkg_rec(out, team.master, 20)
    code_in(out, "Amina", lambda s, spec: s.save(rid, *codes(spec, "themes", "torture")))
    code_in(out, "Amina", lambda s, spec: s.set_status(rid, "done"))
    _as_before_suggestions(out)
    connection = sqlite3.connect(out)
    columns = {row[1] for row in connection.execute("PRAGMA table_info(coding_status)")}
    connection.close()
    assert "suggestions_shown" not in columns

    plan = packages.merge(team.master, [out], by_coder_id=team.olga).packages[0]
    amina = coder_id(team.master, "Amina")
    assert plan.added == 1 and plan.statuses_added == 1
    with team.master.session() as session:
        marks = suggestion_marks(session, [20], amina)
        status = session.scalars(
            select(CodingStatus.status).where(
                CodingStatus.recommendation_id == 20, CodingStatus.coder_id == amina
            )
        ).one()
    assert status == "done"
    assert marks.shown == frozenset() and marks.accepted == {}

    # Once the coder's app is updated, the same package merges to the same work.
    before = work_of(team.master, "Amina")
    open_project(out).close()
    packages.merge(team.master, [out], by_coder_id=team.olga)
    assert work_of(team.master, "Amina") == before


def test_an_older_package_is_told_its_format_not_that_it_was_altered(team):
    out = team.package("Amina")
    downgrade_file(out, "0008")
    with pytest.raises(PackageRefused, match=r"older version of UPR Coder \(format 0008\)"):
        packages.merge(team.master, [out], by_coder_id=team.olga)
