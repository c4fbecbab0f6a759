"""Roles and permissions through the services: every guarded action tried by a coder
(and the coordinator's ones by an adjudicator), blind coding for every caller, the last
coordinator, retiring, the one-time coordinator offer, and the `annotator coder` commands."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from annotator import codebook as cbk
from annotator.services import adjudication as adj
from annotator.services import assignments as asg
from annotator.services import codebook as ce
from annotator.services import coders, packages, permissions
from annotator.services import reliability_report as rr
from annotator.services.codebook import store_codebook
from annotator.services.coding import CodingService, FieldValue, form_spec, others_values
from annotator.services.coding_sheet import import_coding_sheet, write_coding_sheet
from annotator.services.db_copy import copy_project
from annotator.services.exporting import ExportOptions, export
from annotator.services.permissions import NotPermitted
from annotator.store.models import AuditEvent, Coder, Recommendation
from annotator.store.project import Project, open_project
from tests.project_helpers import table_counts
from tests.roles import coder_by_uuid
from tests.test_cli import annotator
from tests.test_reliability_report import build_two_coder_project


@pytest.fixture
def out(tmp_path):
    """An empty folder for what the actions write (nothing, when refused)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def team(sample_project) -> dict:
    """Amina and Ben code (overlapping), Cora adjudicates, Dan coordinates."""
    return build_two_coder_project(sample_project)


def first_rec(project: Project) -> int:
    with project.session() as session:
        return session.scalar(select(Recommendation.id).where(Recommendation.number == "28.2"))


def counts(project: Project) -> dict:
    return table_counts(project)


# Every guarded action, as a function of (project, the acting coder's id, tmp folder).
def _edit_code(p, who, tmp):
    with p.write() as s:
        ce.rename_code(s, "themes", "torture", "Torture (renamed)", coder_id=who)


def _add_field(p, who, tmp):
    with p.write() as s:
        ce.add_field(s, cbk.Field(key="extra", label="Extra", kind="boolean"), coder_id=who)


def _replace_codebook(p, who, tmp):
    with p.write() as s:
        store_codebook(s, cbk.builtin_codebook(), by_coder_id=who)


def _assign(p, who, tmp):
    with p.write() as s:
        amina = coders.coder_named(s, "Amina").id
        asg.assign(s, amina, [first_rec(p)], by_coder_id=who)


def _unassign(p, who, tmp):
    with p.write() as s:
        asg.unassign(s, coders.coder_named(s, "Amina").id, by_coder_id=who)


def _overlap(p, who, tmp):
    with p.write() as s:
        ids = [coders.coder_named(s, n).id for n in ("Amina", "Ben")]
        asg.assign_overlap(s, ids, 0.1, seed=1, by_coder_id=who)


def _make_package(p, who, tmp):
    packages.create_package(p, "Amina", tmp / "amina.upr", made_by_id=who)


def _merge(p, who, tmp):
    packages.merge(p, [tmp / "missing.upr"], by_coder_id=who)


def _add_coder(p, who, tmp):
    with p.write() as s:
        coders.add_coder(s, "Eve", by_coder_id=who)


def _newcomer(s) -> int:
    # Eve once the coordinator has added her (in the full run), else Ben.
    return (coders.find_coder(s, "Eve") or coders.coder_named(s, "Ben")).id


def _rename_coder(p, who, tmp):
    with p.write() as s:
        coders.rename_coder(s, _newcomer(s), "Eve", by_coder_id=who)


def _set_role(p, who, tmp):
    with p.write() as s:
        coders.set_role(s, _newcomer(s), "adjudicator", by_coder_id=who)


def _retire(p, who, tmp):
    with p.write() as s:
        coders.retire_coder(s, _newcomer(s), by_coder_id=who)


def _copy(p, who, tmp):
    with p.session() as s:
        name = s.get(Coder, who).name
    copy_project(p.path, tmp / "copy.upr", by_coder=name)


COORDINATOR_ACTIONS = {
    "edit the codebook": _edit_code,
    "edit the codebook ": _add_field,
    "edit the codebook  ": _replace_codebook,
    "assign work": _assign,
    "assign work ": _unassign,
    "assign work  ": _overlap,
    "make packages": _make_package,
    "merge other coders' work": _merge,
    "manage coders": _add_coder,
    "manage coders ": _rename_coder,
    "manage coders  ": _set_role,
    "manage coders   ": _retire,
    "copy the whole project": _copy,
}


def _see_others(p, who, tmp):
    with p.session() as s:
        others_values(s, first_rec(p), who)


def _disagreements(p, who, tmp):
    with p.session() as s:
        adj.disagreements(s, by_coder_id=who)


def _agreements(p, who, tmp):
    with p.session() as s:
        adj.agreements(s, by_coder_id=who)


def _decide(p, who, tmp):
    with p.write() as s:
        themes = form_spec(s).field_by_key("themes").id
        adj.decide(s, first_rec(p), themes, FieldValue(), by_coder_id=who, reason="r")


def _accept(p, who, tmp):
    with p.write() as s:
        adj.accept_agreements(s, by_coder_id=who)


def _measure(p, who, tmp):
    with p.session() as s:
        rr.report(s, by_coder_id=who)


def _ratings(p, who, tmp):
    with p.session() as s:
        rr.ratings(s, "themes", by_coder_id=who)


def _export_all(p, who, tmp):
    export(p, tmp / "all.xlsx", ExportOptions(source="all-coders"), by_coder_id=who)


def _export_other(p, who, tmp):
    export(p, tmp / "ben.xlsx", ExportOptions(source="coder:Ben"), by_coder_id=who)


def _export_consensus(p, who, tmp):
    export(p, tmp / "final.xlsx", ExportOptions(source="consensus"), by_coder_id=who)


def _sheet_for_other(p, who, tmp):
    write_coding_sheet(p, "Ben", tmp / "ben-sheet.xlsx", by_coder_id=who)


DECIDER_ACTIONS = {
    "see other coders' codes": _see_others,
    "see other coders' codes ": _disagreements,
    "see other coders' codes  ": _agreements,
    "decide the final value": _decide,
    "decide the final value ": _accept,
    "measure how far the coders agree": _measure,
    "see other coders' codes   ": _ratings,
    "see other coders' codes    ": _export_all,
    "see other coders' codes     ": _export_other,
    "see other coders' codes      ": _export_consensus,
}


@pytest.mark.parametrize("verb", list(COORDINATOR_ACTIONS))
def test_a_coder_and_an_adjudicator_cannot_do_a_coordinators_work(sample_project, team, out, verb):
    before = counts(sample_project)
    for who, role in ((team["amina"], "a coder"), (team["cora"], "an adjudicator")):
        with pytest.raises(NotPermitted) as refused:
            COORDINATOR_ACTIONS[verb](sample_project, who, out)
        message = str(refused.value)
        assert message.startswith(f"Only a coordinator can {verb.strip()}")
        assert message.endswith(f"you are {role}.")
    assert counts(sample_project) == before
    assert not any(out.iterdir())  # no package, copy or file was left behind


@pytest.mark.parametrize("verb", list(DECIDER_ACTIONS))
def test_a_coder_cannot_see_or_decide_others_work(sample_project, team, out, verb):
    before = counts(sample_project)
    with pytest.raises(NotPermitted) as refused:
        DECIDER_ACTIONS[verb](sample_project, team["amina"], out)
    assert str(refused.value) == (
        f"Only an adjudicator or a coordinator can {verb.strip()}; you are a coder."
    )
    with pytest.raises(NotPermitted, match="Say who you are"):
        DECIDER_ACTIONS[verb](sample_project, None, out)
    assert counts(sample_project) == before
    assert not any(out.iterdir())


@pytest.mark.parametrize("verb", list(DECIDER_ACTIONS))
def test_adjudicators_and_coordinators_see_and_decide(sample_project, team, out, verb):
    for who in (team["cora"], team["dan"]):
        DECIDER_ACTIONS[verb](sample_project, who, out)


def test_the_coordinator_does_every_coordinators_action(sample_project, team, out):
    for verb, action in COORDINATOR_ACTIONS.items():
        if verb.startswith("merge"):
            with pytest.raises(packages.PackageError):  # allowed; the file is missing
                action(sample_project, team["dan"], out)
            continue
        action(sample_project, team["dan"], out)
    assert (out / "amina.upr").exists() and (out / "copy.upr").exists()


def test_a_coder_exports_and_writes_sheets_of_their_own_work_only(sample_project, team, tmp_path):
    out = tmp_path / "mine.xlsx"
    result = export(
        sample_project, out, ExportOptions(source="coder:Amina"), by_coder_id=team["amina"]
    )
    assert result.source == "coder Amina"
    # Her own export leaves out the Reliability sheet: it compares her with others.
    assert "Reliability" not in result.sheets
    led = export(
        sample_project,
        tmp_path / "lead.xlsx",
        ExportOptions(source="coder:Amina"),
        by_coder_id=team["dan"],
    )
    assert "Reliability" in led.sheets
    sheet = write_coding_sheet(
        sample_project, "Amina", tmp_path / "amina-sheet.xlsx", by_coder_id=team["amina"]
    )
    assert sheet.coder == "Amina"


def test_a_coding_sheet_is_brought_in_by_its_coder_or_a_coordinator(sample_project, team, tmp_path):
    sheet = write_coding_sheet(
        sample_project, "Ben", tmp_path / "ben.xlsx", by_coder_id=team["dan"]
    )
    assert sheet.coder == "Ben"
    before = counts(sample_project)
    for who in (team["amina"], team["cora"]):  # codes under another coder's name
        with pytest.raises(NotPermitted, match="Only a coordinator can merge other coders'"):
            import_coding_sheet(sample_project, tmp_path / "ben.xlsx", by_coder_id=who)
    assert counts(sample_project) == before
    import_coding_sheet(sample_project, tmp_path / "ben.xlsx", by_coder_id=team["ben"])
    import_coding_sheet(sample_project, tmp_path / "ben.xlsx", by_coder_id=team["dan"])


def test_blind_coding_holds_in_the_coding_service(sample_project, team):
    rid = first_rec(sample_project)
    with pytest.raises(NotPermitted, match="see other coders' codes; you are a coder"):
        CodingService(sample_project, team["amina"]).others(rid)
    seen = CodingService(sample_project, team["cora"]).others(rid)
    assert set(seen) == {"Amina", "Ben"}


# ------------------------------------------------------------------ managing coders


def test_a_coordinator_sets_up_a_team_of_five(empty_project):
    with empty_project.write() as s:
        lead = coders.get_or_create_coder(s, "Dan", role="coordinator").id
        coders.add_coder(s, "Amina", "adjudicator", by_coder_id=lead)
        for name in ("Ben", "Chen", "Eve"):
            coders.add_coder(s, name, by_coder_id=lead)
        with pytest.raises(ValueError, match="already has a coder named 'Ben'"):
            coders.add_coder(s, " ben ", by_coder_id=lead)
        with pytest.raises(ValueError, match="'boss' is not a role"):
            coders.add_coder(s, "Fay", "boss", by_coder_id=lead)
    with empty_project.session() as s:
        rows = {r.name: r.role for r in coders.coder_rows(s)}
        events = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity == "coder", AuditEvent.coder_id == lead
            )
        ).all()
    assert rows == {
        "Amina": "adjudicator",
        "Ben": "coder",
        "Chen": "coder",
        "Dan": "coordinator",
        "Eve": "coder",
    }
    assert events == ["add"] * 4


def test_rename_keeps_the_work_and_retire_keeps_it_too(sample_project, team):
    with sample_project.write() as s:
        coders.rename_coder(s, team["ben"], "Ben Okafor", by_coder_id=team["dan"])
        with pytest.raises(ValueError, match="already has a coder named 'Amina'"):
            coders.rename_coder(s, team["ben"], "amina", by_coder_id=team["dan"])
    service = CodingService(sample_project, team["ben"])
    rid = first_rec(sample_project)
    kept = service.values(rid)
    assert kept
    with sample_project.write() as s:
        coders.retire_coder(s, team["ben"], by_coder_id=team["dan"])
    # A retired coder's work stays, counts in reports, but they code no more and are
    # not offered in lists.
    assert service.values(rid) == kept
    with pytest.raises(NotPermitted, match="Ben Okafor is retired from this project"):
        service.save(rid, next(iter(kept)), FieldValue())
    with sample_project.session() as s:
        assert "Ben Okafor" not in [c.name for c in coders.list_coders(s)]
        assert "Ben Okafor" in [c.name for c in coders.list_coders(s, include_retired=True)]
        assert "Ben Okafor" in adj.coders_who_coded(s, by_coder_id=team["dan"])
    with sample_project.write() as s, pytest.raises(ValueError, match="retired"):
        asg.assign(s, team["ben"], [rid], by_coder_id=team["dan"])
    with sample_project.write() as s:
        coders.restore_coder(s, team["ben"], by_coder_id=team["dan"])
    assert service.save(rid, next(iter(kept)), FieldValue()) == kept[next(iter(kept))]


def test_the_last_coordinator_keeps_the_role(sample_project, team):
    dan = team["dan"]
    with sample_project.write() as s:
        with pytest.raises(NotPermitted, match="Dan is the project's last coordinator"):
            coders.set_role(s, dan, "coder", by_coder_id=dan)
        with pytest.raises(NotPermitted, match="last coordinator and cannot be retired"):
            coders.retire_coder(s, dan, by_coder_id=dan)
        coders.set_role(s, team["cora"], "coordinator", by_coder_id=dan)
        coders.set_role(s, dan, "adjudicator", by_coder_id=dan)  # now someone else leads
    with sample_project.session() as s:
        assert [c.name for c in coders.coordinators(s)] == ["Cora"]
        # Dan can no longer manage coders: the rule follows the new role at once.
        with pytest.raises(NotPermitted, match="you are an adjudicator"):
            coders.add_coder(s, "Zed", by_coder_id=dan)


def test_a_project_without_a_coordinator_offers_the_role_once(sample_project):
    with sample_project.write() as s:
        amina = coders.get_or_create_coder(s, "Amina").id
        ben = coders.get_or_create_coder(s, "Ben").id
        assert coders.coordinator_offer_open(s)
        coders.decline_coordinator_offer(s, amina)
    with sample_project.write() as s:
        assert not coders.coordinator_offer_open(s)  # declined: nobody is asked again
        with pytest.raises(NotPermitted, match="already has a coordinator, or the offer"):
            coders.accept_coordinator_offer(s, ben)
        declined = s.scalars(
            select(AuditEvent).where(AuditEvent.action == coders.OFFER_DECLINED)
        ).one()
        assert declined.coder_id == amina
        # Claiming stays possible on purpose (Coders ▸ Manage, `annotator coder set-role`).
        coders.set_role(s, ben, "coordinator", by_coder_id=ben)
        claimed = s.scalars(
            select(AuditEvent).where(AuditEvent.action == coders.OFFER_ACCEPTED)
        ).one()
        assert claimed.coder_id == ben and json.loads(claimed.after)["role"] == "coordinator"
        # Once there is one, nobody else claims the role.
        with pytest.raises(NotPermitted, match="Only a coordinator can manage coders"):
            coders.set_role(s, amina, "coordinator", by_coder_id=amina)


def test_a_refusal_in_a_project_without_coordinator_says_how_to_become_one(sample_project):
    with sample_project.write() as s:
        amina = coders.get_or_create_coder(s, "Amina").id
    with sample_project.write() as s, pytest.raises(NotPermitted) as refused:
        ce.rename_code(s, "themes", "torture", "T", coder_id=amina)
    assert "no coordinator yet" in str(refused.value)
    assert "annotator coder set-role YOUR-NAME coordinator" in str(refused.value)


def test_whoever_creates_a_project_is_its_coordinator(tmp_path):
    from annotator.services.projects import init_project

    project = init_project(tmp_path / "new.upr", coordinator="  Dan  ")
    try:
        with project.session() as s:
            assert [(c.name, c.role) for c in coders.list_coders(s)] == [("Dan", "coordinator")]
            assert not coders.coordinator_offer_open(s)
    finally:
        project.close()


def test_the_actions_table_names_the_roles(sample_project):
    assert permissions.may("coordinator", permissions.EDIT_CODEBOOK)
    assert not permissions.may("adjudicator", permissions.EDIT_CODEBOOK)
    assert permissions.may("adjudicator", permissions.DECIDE)
    assert not permissions.may("coder", permissions.SEE_OTHERS)
    assert all(permissions.may("coordinator", a) for a in permissions.ACTIONS)


# ----------------------------------------------------------------------- packages


def test_a_package_coded_under_its_coder_merges_and_add_coders_grants_no_role(
    sample_project, team, tmp_path
):
    # A package made on a copy of the project for a coordinator the project lacks:
    # --add-coders brings her in as a plain coder, whatever the package says.
    copy_path = tmp_path / "laptop.upr"
    copy_project(sample_project.path, copy_path, by_coder="Dan")
    laptop = open_project(copy_path)
    try:
        with laptop.write() as s:
            dan = coders.coder_named(s, "Dan").id
            coders.add_coder(s, "Fay", "coordinator", by_coder_id=dan)
        packages.create_package(laptop, "Fay", tmp_path / "fay.upr", made_by_id=dan)
    finally:
        laptop.close()
    package = open_project(tmp_path / "fay.upr")
    try:
        with package.session() as s:
            fay = coder_by_uuid(s, packages.package_marker(package).coder_uuid)
            assert fay.role == "coordinator"  # what the package claims
        service = CodingService(package, fay.id)
        themes = service.form().field_by_key("themes")
        service.save(1, themes.id, FieldValue(frozenset({themes.codes[0].id})))
    finally:
        package.close()
    plan = packages.merge_preview(
        sample_project, [tmp_path / "fay.upr"], add_coders=True, by_coder_id=team["dan"]
    )
    lines = "\n".join(plan.lines())
    assert "Fay: 1 package" in lines
    assert "Fay is added to the project as a coder (the package says coordinator" in lines
    packages.merge(sample_project, [tmp_path / "fay.upr"], add_coders=True, by_coder_id=team["dan"])
    with sample_project.session() as s:
        assert coders.coder_named(s, "Fay").role == "coder"
        assert s.scalar(select(func.count()).select_from(Coder).where(Coder.name == "Fay")) == 1


def test_a_package_opened_under_another_name_codes_as_its_coder(sample_project, team, tmp_path):
    out = tmp_path / "amina.upr"
    packages.create_package(sample_project, "Amina", out, made_by_id=team["dan"])
    package = open_project(out)
    try:
        with package.write() as s:
            # The laptop remembers "Zoe": the package still codes as Amina, and no Zoe
            # is added to it.
            coder = packages.coder_opening(package, s, "Zoe")
            assert coder.name == "Amina"
            assert coders.find_coder(s, "Zoe") is None
        service = CodingService(package, coder.id)
        themes = service.form().field_by_key("themes")
        labour = next(c.id for c in themes.codes if c.key == "labour")
        with package.session() as s:
            rid = s.scalar(select(Recommendation.id).where(Recommendation.number == "28.13"))
        service.save(rid, themes.id, FieldValue(frozenset({labour})))
    finally:
        package.close()
    plan = packages.merge(sample_project, [out], by_coder_id=team["dan"])
    assert [c.coder for c in plan.coders] == ["Amina"]
    amina = CodingService(sample_project, team["amina"])
    master_themes = amina.form().field_by_key("themes")
    with sample_project.session() as s:
        master_rid = s.scalar(select(Recommendation.id).where(Recommendation.number == "28.13"))
    found = amina.values(master_rid)[master_themes.id].codes
    assert {c.key for c in master_themes.codes if c.id in found} == {"labour"}  # hers
    with sample_project.session() as s:
        assert coders.find_coder(s, "Zoe") is None
    # Outside a package, the remembered name is who codes (a new name joins as a coder).
    with sample_project.write() as s:
        assert packages.coder_opening(sample_project, s, "Zoe").role == "coder"


# --------------------------------------------------------------------- the command


def test_the_coder_commands(sample_path):
    db = ("--db", str(sample_path))
    listed = annotator("coder", "list", *db)
    assert listed.returncode == 0
    assert "no coordinator" in listed.stdout and "set-role YOUR-NAME coordinator" in listed.stdout
    claimed = annotator("coder", "set-role", "Dan", "coordinator", "--as", "Dan", *db)
    assert claimed.returncode == 0, claimed.stderr
    assert "Dan is now coordinator." in claimed.stdout
    added = annotator("coder", "add", "Amina", "--role", "adjudicator", *db, "--as", "Dan")
    assert added.returncode == 0 and "Added Amina as adjudicator." in added.stdout
    # --as before the subcommand works too, and so does $ANNOTATOR_CODER.
    assert annotator("--as", "Dan", "coder", "add", "Ben", *db).returncode == 0
    env = annotator("coder", "add", "Chen", *db, env={"ANNOTATOR_CODER": "Dan"})
    assert env.returncode == 0, env.stderr
    refused = annotator("coder", "add", "Eve", *db, "--as", "Ben")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "annotator: Only a coordinator can manage coders; you are a coder."
    )
    assert "Traceback" not in refused.stderr
    last = annotator("coder", "set-role", "Dan", "coder", *db, "--as", "Dan")
    assert last.returncode == 1 and "last coordinator" in last.stderr
    assert annotator("coder", "rename", "Ben", "Ben Okafor", *db, "--as", "Dan").returncode == 0
    assert annotator("coder", "retire", "Chen", *db, "--as", "Dan").returncode == 0
    stranger = annotator("coder", "add", "Eve", *db, "--as", "Zed")
    assert stranger.returncode == 1 and "no coder of that name" in stranger.stderr
    final = annotator("coder", "list", "--retired", *db)
    assert final.stdout.splitlines() == [
        "Amina (adjudicator): 0 recommendations coded",
        "Ben Okafor (coder): 0 recommendations coded",
        "Chen (coder, retired): 0 recommendations coded",
        "Dan (coordinator): 0 recommendations coded",
    ]
    blind = annotator("export", *db, "--as", "Ben Okafor", "--source", "all-coders", "x.xlsx")
    assert blind.returncode == 1 and "you are a coder" in blind.stderr


def test_a_team_of_five_in_three_commands(tmp_path):
    db = ("--db", str(tmp_path / "team.upr"))
    assert annotator("init", *db, "--as", "Olga").returncode == 0
    assert (
        annotator("coder", "add", "Amina", "--role", "adjudicator", *db, "--as", "Olga").returncode
        == 0
    )
    three = annotator("coder", "add", "Ben", "Chen", "Dan", *db, "--as", "Olga")
    assert three.stdout.strip() == "Added Ben, Chen, Dan as coder."
    listed = annotator("coder", "list", *db).stdout.splitlines()
    assert [line.split(":")[0] for line in listed] == [
        "Amina (adjudicator)",
        "Ben (coder)",
        "Chen (coder)",
        "Dan (coder)",
        "Olga (coordinator)",
    ]


def test_init_makes_the_creator_coordinator(tmp_path):
    made = annotator("init", "--db", str(tmp_path / "t.upr"), "--as", "Dan")
    assert made.returncode == 0, made.stderr
    assert "Coordinator: Dan" in made.stdout
    nobody = annotator("init", "--db", str(tmp_path / "u.upr"))
    assert nobody.returncode == 0
    assert "Coordinator: nobody yet" in nobody.stdout
