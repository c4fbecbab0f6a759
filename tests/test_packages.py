"""Coder packages: made for three coders, coded offline, merged back in every order.

Everything here uses real project files: packages are made by the service, opened with
``open_project`` and coded through ``CodingService`` exactly as the app codes them; the
damaged and crafted packages are made with ``sqlite3`` directly.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from annotator import codebook as cbk
from annotator.services import codebook as codebook_editing
from annotator.services import packages
from annotator.services.assignments import assign
from annotator.services.codebook import store_codebook
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import CodingService, FieldValue, FormSpec
from annotator.services.packages import MARKER_KEY, PackageRefused
from annotator.services.projects import init_project
from annotator.store.models import (
    Annotation,
    AuditEvent,
    Base,
    Codebook,
    CodebookRevision,
    Coder,
    Consensus,
    MergeLog,
    Recommendation,
    SourceTag,
)
from annotator.store.project import Project, open_project
from tests.fts_search import search_ids
from tests.project_helpers import allow_incomplete_done
from tests.roles import boss, coordinator_id
from tests.test_cli import annotator

CODERS = ("Amina", "Ben", "Cora")


# ------------------------------------------------------------------------------ helpers


def table_rows(project: Project, *, comparable: bool = False) -> dict[str, list[tuple]]:
    """Every table's rows, sorted. ``comparable`` leaves out what legitimately differs
    between two merges of the same work: autoincrement ids, the times merges happened,
    and the backups' file names."""
    out: dict[str, list[tuple]] = {}
    with project.session() as session:
        for table in Base.metadata.sorted_tables:
            columns = list(table.c)
            if comparable:
                columns = [
                    c
                    for c in columns
                    if not (c.name == "id" and c.primary_key and c.autoincrement)
                    and not (table.name == "merge_log" and c.name == "merged_at")
                ]
            rows = []
            for row in session.execute(select(*columns)):
                values = dict(row._mapping)
                if comparable and table.name == "audit_event" and values["action"] == "merge":
                    values.pop("at")
                rows.append(tuple(sorted((k, repr(v)) for k, v in values.items())))
            out[table.name] = sorted(rows)
    return out


def checksum(project: Project) -> str:
    return hashlib.sha256(repr(table_rows(project)).encode()).hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def same_work_other_file(source: Path, target: Path) -> Path:
    """A copy of a package with the same records in other bytes (so another SHA-256)."""
    connection = sqlite3.connect(source)
    try:
        connection.execute("VACUUM INTO ?", (str(target),))
    finally:
        connection.close()
    assert file_digest(target) != file_digest(source)
    return target


def coder_id(project: Project, name: str) -> int:
    with project.session() as session:
        return session.scalars(select(Coder.id).where(Coder.name == name)).one()


def rec_id(project: Project, rec_uuid: uuid.UUID) -> int:
    with project.session() as session:
        return session.scalars(
            select(Recommendation.id).where(Recommendation.uuid == rec_uuid)
        ).one()


def rec_uuid_of(project: Project, rid: int) -> uuid.UUID:
    with project.session() as session:
        return session.scalars(select(Recommendation.uuid).where(Recommendation.id == rid)).one()


def codes(spec: FormSpec, field_key: str, *code_keys: str) -> tuple[int, FieldValue]:
    fld = spec.field_by_key(field_key)
    ids = frozenset(next(c.id for c in fld.codes if c.key == k) for k in code_keys)
    return fld.id, FieldValue(ids)


def note(spec: FormSpec, field_key: str, words: str | None) -> tuple[int, FieldValue]:
    return spec.field_by_key(field_key).id, FieldValue(text=words)


def work_of(project: Project, name: str) -> dict:
    """One coder's values and statuses, by identity (what must travel)."""
    with project.session() as session:
        coder = session.scalars(select(Coder).where(Coder.name == name)).one()
        rows = session.execute(
            text(
                "SELECT r.uuid, f.uuid, c.uuid, a.value, a.uuid FROM annotation a "
                "JOIN recommendation r ON r.id = a.recommendation_id "
                "JOIN codebook_field f ON f.id = a.field_id "
                "LEFT JOIN code c ON c.id = a.code_id WHERE a.coder_id = :c"
            ),
            {"c": coder.id},
        ).all()
        statuses = session.execute(
            text(
                "SELECT r.uuid, s.status, s.flag_reason, s.seconds_spent FROM coding_status s "
                "JOIN recommendation r ON r.id = s.recommendation_id WHERE s.coder_id = :c"
            ),
            {"c": coder.id},
        ).all()
    return {"values": sorted(map(tuple, rows)), "statuses": sorted(map(tuple, statuses))}


@dataclass
class Team:
    master_path: Path
    master: Project
    folder: Path
    olga: int

    def package(self, name: str, **kwargs) -> Path:
        out = self.folder / f"{name.lower()}.upr"
        packages.create_package(self.master, name, out, made_by_id=self.olga, **kwargs)
        return out

    def fresh_master_copy(self, name: str) -> Project:
        """The master as it is now, in another file (for merging in another order)."""
        target = self.folder / name
        source = sqlite3.connect(self.master_path)
        destination = sqlite3.connect(target)
        source.backup(destination)
        destination.close()
        source.close()
        return open_project(target)


@pytest.fixture
def team(tmp_path, sample_path):
    master = open_project(sample_path)
    with master.write() as session:
        ids = {name: get_or_create_coder(session, name).id for name in CODERS}
        olga = get_or_create_coder(session, "Olga", role="coordinator").id
        # Overlapping assignments, as for double coding.
        assign(session, ids["Amina"], range(1, 61), by_coder_id=olga)
        assign(session, ids["Ben"], range(41, 101), by_coder_id=olga)
        assign(session, ids["Cora"], range(81, 141), by_coder_id=olga)
    # These tests mark done what they code about something else; the check of done
    # against required fields in a merge has its own test, with the setting off.
    allow_incomplete_done(master)
    folder = tmp_path / "packages"
    folder.mkdir()
    yield Team(sample_path, master, folder, olga)
    master.close()


def code_in(path: Path, name: str, work: Callable[[CodingService, FormSpec], None]) -> None:
    """Open a package as the app does and code in it as ``name``."""
    project = open_project(path)
    try:
        service = CodingService(project, coder_id(project, name))
        work(service, service.form())
    finally:
        project.close()


def code_master(team: Team, name: str, work: Callable[[CodingService, FormSpec], None]) -> None:
    service = CodingService(team.master, coder_id(team.master, name))
    work(service, service.form())


def pkg_rec(path: Path, master: Project, master_rid: int) -> int:
    """The package's id of one of the master's recommendations (ids are re-mapped)."""
    project = open_project(path)
    try:
        return rec_id(project, rec_uuid_of(master, master_rid))
    finally:
        project.close()


# ------------------------------------------------------------------------ making packages


def test_a_package_holds_one_coders_work_and_nothing_of_the_others(team):
    master = team.master
    # Earlier work in the master: Amina and Ben on shared recommendations, a consensus.
    code_master(team, "Amina", lambda s, spec: s.save(45, *codes(spec, "themes", "torture")))
    code_master(team, "Amina", lambda s, spec: s.save(45, *note(spec, "notes", "mine")))
    code_master(team, "Amina", lambda s, spec: s.set_status(45, "flagged", reason="unclear"))
    code_master(team, "Ben", lambda s, spec: s.save(45, *codes(spec, "themes", "death_penalty")))
    code_master(team, "Ben", lambda s, spec: s.save(50, *note(spec, "notes", "Ben's secret")))
    with master.write() as session:
        spec_field = session.scalars(select(Annotation.field_id).limit(1)).one()
        session.add(Consensus(recommendation_id=45, field_id=spec_field, decided_by_id=team.olga))

    out = team.package("Amina")
    report_db = sqlite3.connect(out)
    try:
        # One file: no write-ahead log left beside it, and not in WAL mode.
        assert report_db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert not out.with_name(out.name + "-wal").exists()
        coders = report_db.execute("SELECT uuid, name FROM coder").fetchall()
        assert [name for _, name in coders] == ["Amina"]
        assert report_db.execute("SELECT count(*) FROM consensus").fetchone()[0] == 0
        assert report_db.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 0
        assert report_db.execute("SELECT count(*) FROM assignment").fetchone()[0] == 0
        values = [v for (v,) in report_db.execute("SELECT value FROM annotation")]
        assert "Ben's secret" not in values and "mine" in values
        info = dict(report_db.execute("SELECT key, value FROM project_info"))
    finally:
        report_db.close()

    with master.session() as session:
        amina = session.scalars(select(Coder).where(Coder.name == "Amina")).one()
        book = session.scalars(select(Codebook).where(Codebook.active)).one()
        revision = session.scalars(select(CodebookRevision.document)).all()
        assert [uuid.UUID(u).hex for u, _ in coders] == [amina.uuid.hex]
        assert info["project_uuid"] == master.info("project_uuid")
        marker = json.loads(info[MARKER_KEY])
        assert marker["coder_uuid"] == str(amina.uuid)
        assert marker["codebook_version"] == book.version
        assigned = set(range(1, 61))
        rec45_text = session.get(Recommendation, 45).text
        master_tags = session.scalar(
            select(func.count()).select_from(SourceTag).where(SourceTag.recommendation_id <= 60)
        )
        amina_rows = session.scalar(
            select(func.count()).select_from(Annotation).where(Annotation.coder_id == amina.id)
        )
        uuids = {
            u
            for (u,) in session.execute(
                select(Recommendation.uuid).where(Recommendation.id.in_(assigned))
            )
        }

    package = open_project(out)
    try:
        assert not (out.parent / f"{out.stem}.backups").exists()  # no migration was needed
        with package.session() as session:
            assert set(session.scalars(select(Recommendation.uuid))) == uuids
            assert session.scalar(select(func.count()).select_from(SourceTag)) == master_tags
            pbook = session.scalars(select(Codebook).where(Codebook.active)).one()
            assert (pbook.uuid, pbook.version) == (book.uuid, book.version)
            assert session.scalars(select(CodebookRevision.document)).all() == revision
            assert session.scalar(select(func.count()).select_from(Annotation)) == amina_rows
            # Full-text search works in the package, with its own ids.
            word = max(rec45_text.split(), key=len).strip(".,;:()")
            hits = search_ids(session.connection(), word)
            assert rec_id(package, rec_uuid_of(master, 45)) in hits
            assert all(session.get(Recommendation, h).uuid in uuids for h in hits)
        service = CodingService(package, coder_id(package, "Amina"))
        assert service.status(rec_id(package, rec_uuid_of(master, 45))).status == "flagged"
        assert packages.package_marker(package).coder_name == "Amina"
    finally:
        package.close()
    assert packages.package_marker(master) is None


def test_package_choices_and_refusals(team, tmp_path):
    report = packages.create_package(
        team.master, "Ben", team.folder / "all.upr", assignment="all", made_by_id=team.olga
    )
    assert (report.recommendations, report.scope) == (346, "all")
    report = packages.create_package(
        team.master, "Ben", team.folder / "some.upr", assignment=[3, 5], made_by_id=team.olga
    )
    assert (report.recommendations, report.scope) == (2, "chosen")
    with team.master.write() as session:
        get_or_create_coder(session, "Dan")
    report = packages.create_package(
        team.master, "Dan", team.folder / "dan.upr", made_by_id=team.olga
    )
    assert (report.recommendations, report.scope) == (346, "all")  # no assignment: all

    with pytest.raises(packages.PackageError, match="no coder named 'Zed'"):
        packages.create_package(team.master, "Zed", team.folder / "zed.upr", made_by_id=team.olga)
    with pytest.raises(packages.PackageError, match="already exists"):
        packages.create_package(team.master, "Ben", team.folder / "all.upr", made_by_id=team.olga)
    with pytest.raises(packages.PackageError, match="not in this project"):
        packages.create_package(
            team.master, "Ben", team.folder / "x.upr", assignment=[9999], made_by_id=team.olga
        )
    package = open_project(team.folder / "all.upr")
    try:
        with pytest.raises(packages.PackageError, match="itself a coder's package"):
            packages.create_package(package, "Ben", tmp_path / "nested.upr", made_by_id=None)
        with pytest.raises(packages.PackageError, match="itself a coder's package"):
            packages.merge(package, [team.folder / "some.upr"], by_coder_id=None)
    finally:
        package.close()
    assert not list(team.folder.glob(".*.part*"))
    assert not (team.folder / "zed.upr").exists() and not (team.folder / "x.upr").exists()


# ---------------------------------------------------------------- three coders, any order


def _amina(service: CodingService, spec: FormSpec) -> None:
    s = service
    s.save(s_rec(s, 1), *codes(spec, "themes", "torture", "death_penalty"))
    s.save(s_rec(s, 1), *note(spec, "notes", "Mentions the 2015 law"))
    s.set_status(s_rec(s, 1), "done")
    s.save(s_rec(s, 45), *codes(spec, "themes", "womens_rights"))
    s.set_status(s_rec(s, 45), "flagged", reason="two themes?")
    s.add_time(s_rec(s, 45), 42.5)


def _ben(service: CodingService, spec: FormSpec) -> None:
    s = service
    s.save(s_rec(s, 45), *codes(spec, "themes", "torture"))  # shared with Amina, blind
    s.save(s_rec(s, 60), *codes(spec, "published_response", "accepted"))
    s.set_status(s_rec(s, 60), "done")
    s.add_time(s_rec(s, 60), 10)


def _cora(service: CodingService, spec: FormSpec) -> None:
    s = service
    s.save(s_rec(s, 90), *codes(spec, "themes", "rights_of_the_child"))
    s.save(s_rec(s, 90), *note(spec, "evidence", "Para. 12 of the report"))
    s.set_status(s_rec(s, 100), "skipped")


_MASTER: dict[str, Project] = {}


def s_rec(service: CodingService, master_rid: int) -> int:
    """The package's id of the master's recommendation ``master_rid``."""
    return rec_id(service.project, rec_uuid_of(_MASTER["master"], master_rid))


@pytest.fixture
def coded(team):
    """Packages for the three coders, each coded offline through the services."""
    _MASTER["master"] = team.master
    made = {name: team.package(name) for name in CODERS}
    for name, work in zip(CODERS, (_amina, _ben, _cora), strict=True):
        code_in(made[name], name, work)
    yield team, made
    _MASTER.clear()


def test_three_packages_merge_in_every_order_and_twice(coded):
    team, made = coded
    before = team.fresh_master_copy("pristine.upr")
    before.close()
    results = []
    for number, order in enumerate(itertools.permutations(CODERS)):
        master = open_project(_copy(team.folder / "pristine.upr", team.folder / f"m{number}.upr"))
        try:
            for name in order:
                plan = packages.merge(master, [made[name]], by_coder_id=team.olga)
                assert plan.applied and plan.writes_anything
            contents = table_rows(master, comparable=True)
            merged_once = checksum(master)
            again = packages.merge(master, [made[name] for name in order], by_coder_id=team.olga)
            assert all(p.already_merged_at is not None for p in again.packages)
            assert not again.writes_anything
            assert checksum(master) == merged_once  # the second merge changed nothing
            results.append(contents)
            if number == 0:
                for name in CODERS:
                    package = open_project(made[name])
                    try:
                        assert work_of(master, name) == work_of(package, name)
                    finally:
                        package.close()
        finally:
            master.close()
    assert all(r == results[0] for r in results[1:])
    # All three in one merge give the same project as one by one.
    master = open_project(_copy(team.folder / "pristine.upr", team.folder / "all.upr"))
    try:
        plan = packages.merge(master, [made[n] for n in CODERS], by_coder_id=team.olga)
        assert [c.coder for c in plan.coders] == list(CODERS)
        assert table_rows(master, comparable=True) == results[0]
    finally:
        master.close()


def _copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def test_what_a_merge_brings_in(coded):
    team, made = coded
    master = team.master
    plan = packages.merge_preview(master, [made["Amina"]], by_coder_id=team.olga)
    amina = plan.packages[0]
    # Themes and notes of 1, themes of 45: three values; two statuses; time spent.
    assert (amina.added, amina.changed, amina.removed, amina.conflicts) == (3, 0, 0, 0)
    assert amina.statuses_added == 2
    assert not plan.applied
    assert "values: 3 to add" in "\n".join(plan.lines())

    plan = packages.merge(master, [made["Amina"]], by_coder_id=team.olga)
    service = CodingService(master, coder_id(master, "Amina"))
    spec = service.form()
    assert service.values(1)[spec.field_by_key("notes").id].text == "Mentions the 2015 law"
    themes = service.values(1)[spec.field_by_key("themes").id].codes
    assert themes == codes(spec, "themes", "torture", "death_penalty")[1].codes
    status = service.status(45)
    assert (status.status, status.reason, status.seconds) == ("flagged", "two themes?", 42.5)
    # Blind coding holds in the merged project: Ben's values were not touched.
    assert list(CodingService(master, team.olga).others(45)) == ["Amina"]  # hers alone
    with master.session() as session:
        log = session.scalars(select(MergeLog)).one()
        assert log.package_name == "amina.upr"
        assert log.package_sha256 == hashlib.sha256(made["Amina"].read_bytes()).hexdigest()
        assert log.merged_by_id == team.olga and log.coder_name == "Amina"
        assert json.loads(log.counts)["added"] == 3
        # The coder's offline history came along (its uuids, its times).
        copied = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(("annotate", "status")))
        )
        assert copied == amina.events_copied > 0
    entries = packages.merge_log(master)
    assert [(e.coder, e.merged_by, e.counts["added"]) for e in entries] == [("Amina", "Olga", 3)]
    assert plan.backup is not None and plan.backup.is_file()


def test_merging_the_same_work_from_another_file_changes_nothing(coded):
    team, made = coded
    packages.merge(team.master, [made["Amina"]], by_coder_id=team.olga)
    # The same work in a file of other bytes (a compacted copy of the package).
    again = same_work_other_file(made["Amina"], team.folder / "amina-again.upr")
    before = table_rows(team.master)
    plan = packages.merge(team.master, [again], by_coder_id=team.olga)
    assert plan.packages[0].already_merged_at is None
    assert not any(
        plan.packages[0].counts[k] for k in ("added", "changed", "removed", "events_copied")
    )
    after = table_rows(team.master)
    assert len(after["merge_log"]) == len(before["merge_log"]) + 1
    assert {k: v for k, v in after.items() if k != "merge_log"} == {
        k: v for k, v in before.items() if k != "merge_log"
    }


# ------------------------------------------------------------- conflicts and deletions


def _merge_events(project: Project) -> list[tuple[str | None, dict]]:
    with project.session() as session:
        return [
            (before, json.loads(after))
            for before, after in session.execute(
                select(AuditEvent.before, AuditEvent.after)
                .where(AuditEvent.action == "merge")
                .order_by(AuditEvent.id)
            )
        ]


def test_conflict_the_later_edit_wins_and_the_audit_keeps_the_loser(team):
    # 45 is Amina's: earlier work in the master, packaged, then both sides change it.
    code_master(team, "Amina", lambda s, spec: s.save(45, *codes(spec, "themes", "torture")))
    code_master(team, "Amina", lambda s, spec: s.save(46, *codes(spec, "themes", "torture")))
    out = team.package("Amina")
    # Package later than master on 45; master later than package on 46.
    code_master(team, "Amina", lambda s, spec: s.save(45, *codes(spec, "themes", "death_penalty")))
    code_in(
        out,
        "Amina",
        lambda s, spec: s.save(
            pkg_rec(out, team.master, 45), *codes(spec, "themes", "womens_rights")
        ),
    )
    code_in(
        out,
        "Amina",
        lambda s, spec: s.save(
            pkg_rec(out, team.master, 46), *codes(spec, "themes", "rights_of_the_child")
        ),
    )
    code_master(team, "Amina", lambda s, spec: s.save(46, *codes(spec, "themes", "detention")))

    preview = packages.merge_preview(team.master, [out], by_coder_id=team.olga)
    plan = preview.packages[0]
    assert (plan.conflicts, plan.conflicts_kept_project, plan.changed) == (2, 1, 1)
    conflicts = {c.recommendation_id: c for c in plan.changes if c.conflict}
    assert conflicts[45].winner == "package" and conflicts[46].winner == "project"
    assert "Women" in conflicts[45].after and "Death penalty" in conflicts[45].before
    assert any(line.strip().startswith("conflict:") for line in preview.lines())

    packages.merge(team.master, [out], by_coder_id=team.olga)
    service = CodingService(team.master, coder_id(team.master, "Amina"))
    spec = service.form()
    themes = spec.field_by_key("themes").id
    assert service.values(45)[themes] == codes(spec, "themes", "womens_rights")[1]
    assert service.values(46)[themes] == codes(spec, "themes", "detention")[1]
    events = _merge_events(team.master)
    overwritten = [json.loads(b) for b, a in events if a["outcome"] == "package"]
    assert {"field_id": themes, "codes": ["death_penalty"], "text": None} in overwritten
    lost = [a for _, a in events if a["outcome"] == "project"]
    assert [a["package_value"]["codes"] for a in lost] == [["rights_of_the_child"]]
    assert all(a["conflict"] for _, a in events)

    # A copy of the same work merged again adds no second record of the same loss.
    again = same_work_other_file(out, team.folder / "again.upr")
    plan = packages.merge(team.master, [again], by_coder_id=team.olga).packages[0]
    assert plan.already_merged_at is None and plan.conflicts == 1  # still lost, not re-lost
    assert len(_merge_events(team.master)) == len(events)


def test_a_deletion_travels_and_an_old_package_does_not_undo_one(team):
    code_master(
        team, "Amina", lambda s, spec: s.save(10, *codes(spec, "themes", "torture", "detention"))
    )
    code_master(team, "Amina", lambda s, spec: s.save(10, *note(spec, "notes", "to be removed")))
    code_master(team, "Amina", lambda s, spec: s.save(11, *codes(spec, "themes", "torture")))
    out = team.package("Amina")
    # Offline, Amina takes a code away on 10 and clears the note.
    code_in(
        out,
        "Amina",
        lambda s, spec: s.save(pkg_rec(out, team.master, 10), *codes(spec, "themes", "detention")),
    )
    code_in(
        out,
        "Amina",
        lambda s, spec: s.save(pkg_rec(out, team.master, 10), *note(spec, "notes", None)),
    )
    # Meanwhile, in the project, Amina removes her code on 11; the package still has it.
    code_master(team, "Amina", lambda s, spec: s.save(11, *codes(spec, "themes")))

    plan = packages.merge(team.master, [out], by_coder_id=team.olga).packages[0]
    assert (plan.changed, plan.removed, plan.added, plan.conflicts) == (1, 1, 0, 0)
    service = CodingService(team.master, coder_id(team.master, "Amina"))
    spec = service.form()
    values = service.values(10)
    assert values[spec.field_by_key("themes").id] == codes(spec, "themes", "detention")[1]
    assert spec.field_by_key("notes").id not in values
    assert spec.field_by_key("themes").id not in service.values(11)  # still deleted
    removed = [
        json.loads(b)
        for b, a in _merge_events(team.master)
        if a["text"] is None and json.loads(b)["text"]
    ]
    assert removed == [
        {"field_id": spec.field_by_key("notes").id, "codes": [], "text": "to be removed"}
    ]

    # A second package of Amina, made after the merge, sees the deletions as the past.
    second = team.folder / "amina-2.upr"
    packages.create_package(team.master, "Amina", second, made_by_id=team.olga)
    before = table_rows(team.master)
    plan = packages.merge(team.master, [second], by_coder_id=team.olga).packages[0]
    assert (plan.added, plan.changed, plan.removed) == (0, 0, 0)
    after = table_rows(team.master)
    assert len(after.pop("merge_log")) == len(before.pop("merge_log")) + 1
    assert after == before  # only the log grew


def test_statuses_later_wins_and_time_spent_is_kept(team):
    code_master(team, "Amina", lambda s, spec: s.set_status(20, "done"))
    code_master(team, "Amina", lambda s, spec: s.add_time(20, 30))
    out = team.package("Amina")
    code_in(
        out,
        "Amina",
        lambda s, spec: s.set_status(pkg_rec(out, team.master, 20), "flagged", reason="recheck"),
    )
    code_in(out, "Amina", lambda s, spec: s.add_time(pkg_rec(out, team.master, 20), 15))
    plan = packages.merge(team.master, [out], by_coder_id=team.olga).packages[0]
    assert plan.statuses_changed == 1
    status = CodingService(team.master, coder_id(team.master, "Amina")).status(20)
    assert (status.status, status.reason, status.seconds) == ("flagged", "recheck", 45.0)
    events = _merge_events(team.master)
    assert [(json.loads(b)["status"], a["status"]) for b, a in events] == [("done", "flagged")]


def test_done_with_required_fields_empty_arrives_in_progress(team):
    """The package was made while the project allowed incomplete work done; the
    coordinator has switched that off since: the merge goes on, but such a recommendation
    arrives in progress and the report names it with the fields it lacks."""
    from annotator.services.completeness import set_allows_incomplete_done
    from tests.project_helpers import fill_required_by

    out = team.package("Amina")
    complete, incomplete = pkg_rec(out, team.master, 22), pkg_rec(out, team.master, 23)

    def work(s: CodingService, spec: FormSpec) -> None:
        fill_required_by(s, complete)
        s.set_status(complete, "done")
        s.save(incomplete, *codes(spec, "themes", "torture"))
        s.set_status(incomplete, "done")  # allowed in the package, as in the project then

    code_in(out, "Amina", work)
    set_allows_incomplete_done(team.master, False, team.olga)
    merged = packages.merge(team.master, [out], by_coder_id=team.olga)
    plan = merged.packages[0]
    amina = CodingService(team.master, coder_id(team.master, "Amina"))
    assert amina.status(22).status == "done"
    assert amina.status(23).status == "in_progress"
    themes = amina.form().field_by_key("themes")
    assert amina.values(23)[themes.stored_id].codes  # the codes came in all the same
    assert plan.incomplete_done == [f"{_place(team.master, 23)} (Published response, Position)"]
    report = "\n".join(merged.lines())
    assert "1 recommendation marked done in the package with required fields empty" in report
    assert _place(team.master, 23) in report
    with team.master.session() as session:
        after = session.scalars(
            select(AuditEvent.after)
            .where(AuditEvent.recommendation_id == 23, AuditEvent.action == "status")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert after is not None and json.loads(after)["status"] == "in_progress"
    # Merging the same package again changes nothing (it is in the merge log).
    again = packages.merge(team.master, [out], by_coder_id=team.olga).packages[0]
    assert again.already_merged_at is not None and not again.incomplete_done


def _place(project: Project, rid: int) -> str:
    from annotator.services.recommendations import recommendation_rows

    with project.session() as session:
        return recommendation_rows(session, [rid], with_text=False)[rid].place


def test_reading_a_recommendation_again_is_not_a_later_status_edit(team):
    code_master(team, "Amina", lambda s, spec: s.set_status(21, "in_progress"))
    out = team.package("Amina")
    code_in(out, "Amina", lambda s, spec: s.set_status(pkg_rec(out, team.master, 21), "done"))
    # Afterwards Amina only looks at it again in the project: time spent, no new status.
    code_master(team, "Amina", lambda s, spec: s.add_time(21, 5))
    plan = packages.merge(team.master, [out], by_coder_id=team.olga).packages[0]
    assert (plan.statuses_changed, plan.status_conflicts) == (1, 0)
    status = CodingService(team.master, coder_id(team.master, "Amina")).status(21)
    assert (status.status, status.seconds) == ("done", 5.0)


def test_a_newer_codebook_that_only_adds_codes_is_accepted_and_retired_codes_flagged(team):
    out = team.package("Amina")
    code_in(
        out,
        "Amina",
        lambda s, spec: s.save(pkg_rec(out, team.master, 5), *codes(spec, "themes", "torture")),
    )
    with team.master.write() as session:
        codebook_editing.add_code(
            session, "themes", cbk.Code(key="new_theme", label="A new theme"), coder_id=team.olga
        )
        codebook_editing.retire_code(session, "themes", "torture", coder_id=team.olga)
    preview = packages.merge_preview(team.master, [out], by_coder_id=team.olga)
    plan = preview.packages[0]
    assert plan.added == 1
    assert any("version 1 of the codebook" in w for w in plan.warnings)
    assert plan.retired == {"Themes: Torture and other CID treatment": 1}
    assert any("retired code kept" in line for line in preview.lines())
    packages.merge(team.master, [out], by_coder_id=team.olga)
    service = CodingService(team.master, coder_id(team.master, "Amina"))
    spec = service.form()
    assert service.values(5)[spec.field_by_key("themes").id] == codes(spec, "themes", "torture")[1]


# -------------------------------------------------------------------------- refusals


def _sql(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    with connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _garbage(path: Path) -> None:
    path.write_text("name,text\nChina,hello\n", encoding="utf-8")


def _other_schema(path: Path) -> None:
    path.unlink()
    _sql(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")


def _long_text(path: Path) -> None:
    _sql(path, f"UPDATE annotation SET value = '{'x' * 100_001}' WHERE code_id IS NULL")


REFUSALS: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (_truncate, "damaged"),
    "not sqlite": (_garbage, "not a database file"),
    "another schema": (_other_schema, "not a UPR Coder package"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "trigger": (
        lambda p: _sql(
            p, "CREATE TRIGGER evil AFTER INSERT ON annotation BEGIN DELETE FROM coder; END"
        ),
        "holds a trigger (evil)",
    ),
    "view": (lambda p: _sql(p, "CREATE VIEW peek AS SELECT * FROM coder"), "holds a view (peek)"),
    "extra table": (lambda p: _sql(p, "CREATE TABLE loot (x TEXT)"), "no package has (loot)"),
    "expression index": (
        lambda p: _sql(p, "CREATE INDEX ix_evil ON annotation (lower(value))"),
        "no package has (ix_evil)",
    ),
    "extra column": (
        lambda p: _sql(p, "ALTER TABLE annotation ADD COLUMN extra TEXT"),
        "layout of its 'annotation' data differs",
    ),
    "older format": (
        lambda p: _sql(p, "UPDATE alembic_version SET version_num = '0003'"),
        "older version of UPR Coder",
    ),
    "newer format": (
        lambda p: _sql(p, "UPDATE alembic_version SET version_num = 'ffff9999'"),
        "newer version of UPR Coder",
    ),
    "no marker": (
        lambda p: _sql(p, f"DELETE FROM project_info WHERE key = '{MARKER_KEY}'"),
        "whole project, not a coder's package",
    ),
    "damaged marker": (
        lambda p: _sql(p, f"UPDATE project_info SET value = '{{x' WHERE key = '{MARKER_KEY}'"),
        "package marker is damaged",
    ),
    "another project": (
        lambda p: _sql(p, "UPDATE project_info SET value = 'x' WHERE key = 'project_uuid'"),
        "comes from another project",
    ),
    "long text": (_long_text, "text of 100,001 characters"),
    "broken link": (
        lambda p: _sql(p, "UPDATE annotation SET recommendation_id = 9999"),
        "broken links",
    ),
    "wrong type": (
        lambda p: _sql(p, "UPDATE annotation SET updated_at = 12 WHERE code_id IS NULL"),
        "damaged or was altered",
    ),
}


@pytest.mark.parametrize("damage", sorted(REFUSALS))
def test_a_bad_package_is_refused_and_the_master_is_unchanged(team, damage):
    make_bad, message = REFUSALS[damage]
    code_master(team, "Amina", lambda s, spec: s.save(3, *note(spec, "notes", "before")))
    good = team.package("Ben")
    code_in(
        good,
        "Ben",
        lambda s, spec: s.save(pkg_rec(good, team.master, 50), *codes(spec, "themes", "torture")),
    )
    bad = team.package("Amina")
    code_in(
        bad,
        "Amina",
        lambda s, spec: s.save(pkg_rec(bad, team.master, 3), *note(spec, "notes", "after")),
    )
    make_bad(bad)
    bad_digest = file_digest(bad)
    before = checksum(team.master)
    master_file = team.master_path.read_bytes()
    with pytest.raises(PackageRefused, match=re.escape(message)) as refused:
        packages.merge(team.master, [good, bad], by_coder_id=team.olga)
    assert str(bad) in str(refused.value) and "Traceback" not in str(refused.value)
    with pytest.raises(PackageRefused, match=re.escape(message)):
        packages.merge_preview(team.master, [bad], by_coder_id=team.olga)
    assert checksum(team.master) == before  # not even the good package was merged
    assert team.master_path.read_bytes() == master_file
    # Reading the package changed nothing of it, and left nothing beside it.
    assert file_digest(bad) == bad_digest
    assert sorted(p.name for p in team.folder.iterdir()) == ["amina.upr", "ben.upr"]


def test_absurd_numbers_are_refused(team):
    out = team.package("Amina", assignment=[1])
    # 85 values per coder are possible on one recommendation of this codebook; text values
    # have no code, so the file's own constraints would let thousands in.
    _sql(
        out,
        *[
            "INSERT INTO annotation (uuid, recommendation_id, coder_id, field_id, value, "
            f"codebook_version, created_at, updated_at) VALUES ('{uuid.uuid4().hex}', 1, 1, "
            "(SELECT id FROM codebook_field WHERE key = 'notes'), 'x', 1, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            for _ in range(90)
        ],
    )
    before = checksum(team.master)
    with pytest.raises(PackageRefused, match="more than its 1 recommendations"):
        packages.merge(team.master, [out], by_coder_id=team.olga)
    assert checksum(team.master) == before


def test_a_package_with_a_changed_codebook_or_another_codebook_is_refused(team, tmp_path):
    out = team.package("Amina")
    package = open_project(out)
    try:
        with package.write() as session:
            # Someone edits the codebook inside the package (as its coordinator).
            codebook_editing.add_code(
                session,
                "themes",
                cbk.Code(key="mine", label="My own theme"),
                coder_id=boss(session),
            )
    finally:
        package.close()
    before = checksum(team.master)
    with pytest.raises(PackageRefused, match="codebook was changed after the package was made"):
        packages.merge(team.master, [out], by_coder_id=team.olga)
    # The master replaced its codebook since the package was made.
    other = team.package("Ben")

    with team.master.write() as session:
        store_codebook(session, cbk.builtin_codebook(), by_coder_id=team.olga)
    before = checksum(team.master)
    with pytest.raises(PackageRefused, match="made with another codebook"):
        packages.merge(team.master, [other], by_coder_id=team.olga)
    assert checksum(team.master) == before


def test_a_package_from_another_project_is_refused(team, tmp_path):
    elsewhere = init_project(tmp_path / "elsewhere.upr", sample=True)
    try:
        with elsewhere.write() as session:
            get_or_create_coder(session, "Amina")
        out = tmp_path / "foreign.upr"
        packages.create_package(elsewhere, "Amina", out, made_by_id=coordinator_id(elsewhere))
    finally:
        elsewhere.close()
    before = checksum(team.master)
    with pytest.raises(PackageRefused, match="comes from another project"):
        packages.merge(team.master, [out], by_coder_id=team.olga)
    assert checksum(team.master) == before


def test_an_unknown_coder_is_refused_unless_added(team):
    copy = team.fresh_master_copy("laptop.upr")
    try:
        with copy.write() as session:
            get_or_create_coder(session, "Dan")
        out = team.folder / "dan.upr"
        packages.create_package(copy, "Dan", out, made_by_id=team.olga)
    finally:
        copy.close()
    code_in(
        out,
        "Dan",
        lambda s, spec: s.save(pkg_rec(out, team.master, 7), *codes(spec, "themes", "torture")),
    )
    before = checksum(team.master)
    with pytest.raises(PackageRefused, match="Add the coder first") as refused:
        packages.merge(team.master, [out], by_coder_id=team.olga)
    assert "Dan" in str(refused.value)
    assert checksum(team.master) == before
    plan = packages.merge(team.master, [out], add_coders=True, by_coder_id=team.olga)
    assert plan.packages[0].coder_added and plan.packages[0].added == 1
    with team.master.session() as session:
        dan = session.scalars(select(Coder).where(Coder.name == "Dan")).one()
    package = open_project(out)
    try:
        with package.session() as session:
            assert session.scalars(select(Coder.uuid).where(Coder.name == "Dan")).one() == dan.uuid
    finally:
        package.close()
    # Another person of the same name, added in the project separately, is not taken for
    # the package's coder.
    laptop = team.fresh_master_copy("laptop2.upr")
    try:
        with laptop.write() as session:
            get_or_create_coder(session, "Eve")
        eve = team.folder / "eve.upr"
        packages.create_package(laptop, "Eve", eve, made_by_id=team.olga)
    finally:
        laptop.close()
    with team.master.write() as session:
        get_or_create_coder(session, "Eve")
    before = checksum(team.master)
    with pytest.raises(PackageRefused, match="someone else"):
        packages.merge(team.master, [eve], add_coders=True, by_coder_id=team.olga)
    assert checksum(team.master) == before


def test_preview_writes_nothing_and_a_changed_file_is_refused_after_it(coded):
    team, made = coded
    before = checksum(team.master)
    preview = packages.merge_preview(
        team.master, [made["Amina"], made["Ben"]], by_coder_id=team.olga
    )
    assert checksum(team.master) == before
    assert [p.coder for p in preview.packages] == ["Amina", "Ben"]
    code_in(made["Ben"], "Ben", lambda s, spec: s.set_status(s_rec(s, 41), "done"))
    with pytest.raises(PackageRefused, match="changed after the preview"):
        packages.merge(
            team.master, [made["Amina"], made["Ben"]], preview=preview, by_coder_id=team.olga
        )
    assert checksum(team.master) == before


# ------------------------------------------------------------------------- the command


def test_the_commands(coded, tmp_path):
    team, made = coded
    team.master.close()
    db = str(team.master_path)
    for command in (("package", "create"), ("merge",)):
        helped = annotator(*command, "--help")
        assert helped.returncode == 0 and "example:" in helped.stdout
    out = tmp_path / "cora-cli.upr"
    made_ = annotator("package", "create", "--as", "Olga", "--db", db, "--coder", "Cora", str(out))
    assert made_.returncode == 0, made_.stderr
    assert "Package for Cora: 60 recommendations (assigned to them)" in made_.stdout
    dry = annotator(
        "merge", "--as", "Olga", "--db", db, "--dry-run", str(made["Amina"]), str(made["Ben"])
    )
    assert dry.returncode == 0, dry.stderr
    assert "Amina: 1 package" in dry.stdout and "values: 3 to add" in dry.stdout
    assert "Dry run: nothing was merged." in dry.stdout
    done = annotator("merge", "--as", "Olga", "--db", db, str(made["Amina"]), str(made["Ben"]))
    assert done.returncode == 0, done.stderr
    assert "values: 3 added" in done.stdout and "Merged." in done.stdout
    again = annotator("merge", "--as", "Olga", "--db", db, str(made["Amina"]))
    assert "already merged" in again.stdout
    _garbage(out)
    refused = annotator("merge", "--as", "Olga", "--db", db, str(out))
    assert refused.returncode == 1
    assert "not a database file" in refused.stderr and "Traceback" not in refused.stderr
    unknown = annotator(
        "package", "create", "--as", "Olga", "--db", db, "--coder", "Zed", str(tmp_path / "z.upr")
    )
    assert unknown.returncode == 1 and "no coder named 'Zed'" in unknown.stderr


def test_work_under_another_name_in_a_package_is_refused_naming_both(team):
    out = team.package("Amina")
    package = open_project(out)
    try:
        with package.write() as session:
            zoe = get_or_create_coder(session, "Zoe").id  # typed another name on opening
        service = CodingService(package, zoe)
        service.save(1, *codes(service.form(), "themes", "torture"))
    finally:
        package.close()
    before = checksum(team.master)
    with pytest.raises(PackageRefused) as refused:
        packages.merge(team.master, [out], by_coder_id=team.olga)
    message = str(refused.value)
    assert "package of Amina" in message and "recorded under Zoe" in message
    assert checksum(team.master) == before
    with pytest.raises(PackageRefused, match="recorded under Zoe"):
        packages.merge_preview(team.master, [out], by_coder_id=team.olga)
    with team.master.session() as session:
        assert session.scalars(select(Coder.id).where(Coder.name == "Zoe")).first() is None
