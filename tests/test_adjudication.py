"""Adjudication on real project files: disagreements, consensus, audit, undo, the dialog.

The project is the hand-made one of test_reliability_report: Amina and Ben disagree on
the themes of 28.2, 28.4, 28.6, 28.8 and 28.10, on the published response of 28.2 and
28.9, and on the action category of 28.2, 28.4, 28.7 and 28.10 (11 disagreements); they
agree on the other 25 values of 28.1 to 28.12.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from annotator.services import adjudication as adj
from annotator.services.coding import EMPTY, FieldValue, form_spec
from annotator.store.models import AuditEvent, Coder, Consensus, Recommendation
from annotator.store.project import open_project
from tests.test_cli import annotator
from tests.test_reliability_report import build_two_coder_project, codes_of


@pytest.fixture
def sample_project(any_sample_project):
    """These tests run on a SQLite file and on a PostgreSQL server in turn."""
    return any_sample_project


LEFT = Qt.MouseButton.LeftButton
DISAGREEMENTS = [
    ("28.2", "themes"),
    ("28.4", "themes"),
    ("28.6", "themes"),
    ("28.8", "themes"),
    ("28.10", "themes"),
    ("28.2", "published_response"),
    ("28.9", "published_response"),
    ("28.2", "action"),
    ("28.4", "action"),
    ("28.7", "action"),
    ("28.10", "action"),
]


@pytest.fixture
def ids(sample_project) -> dict:
    return build_two_coder_project(sample_project)


def rec(project, number: str) -> int:
    with project.session() as session:
        return session.scalar(select(Recommendation.id).where(Recommendation.number == number))


def spec_of(project):
    with project.session() as session:
        return form_spec(session)


def consensus_rows(project) -> int:
    with project.session() as session:
        return session.scalar(select(func.count()).select_from(Consensus))


def decision_events(project) -> list[AuditEvent]:
    with project.session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.entity == "consensus").order_by(AuditEvent.id)
            )
        )


# ------------------------------------------------------------------------ what differs


def test_disagreements_side_by_side(sample_project, ids):
    spec = spec_of(sample_project)
    with sample_project.session() as session:
        found = adj.disagreements(session, by_coder_id=ids["cora"])
    assert [(d.number, d.field_key) for d in found] == DISAGREEMENTS
    first = found[0]
    assert first.review == "China, cycle 3"
    assert first.text.startswith("Adhere to all human rights instruments")
    assert [v.coder for v in first.values] == ["Amina", "Ben"]
    assert first.value_of("Amina") == codes_of(spec, "themes", ["torture", "detention"])
    assert first.value_of("Ben") == codes_of(spec, "themes", ["torture"])
    assert first.differing == codes_of(spec, "themes", ["detention"]).codes
    assert not first.decided
    # Amina marked 28.6 done with no theme: her empty value is a real side of the pair.
    empty = next(d for d in found if d.number == "28.6")
    assert empty.value_of("Amina") == EMPTY
    assert empty.differing == codes_of(spec, "themes", ["labour"]).codes


def test_disagreements_by_field_code_and_coder_pair(sample_project, ids):
    with sample_project.session() as session:
        themes = adj.disagreements(session, "themes", by_coder_id=ids["cora"])
        torture = adj.disagreements(session, "themes", "torture", by_coder_id=ids["cora"])
        rejected = adj.disagreements(session, code_key="rejected", by_coder_id=ids["cora"])
        pair = adj.disagreements(session, coders=["Amina", "Ben"], by_coder_id=ids["cora"])
        alone = adj.disagreements(session, coders=["Amina", "Cora"], by_coder_id=ids["cora"])
        with pytest.raises(ValueError, match="The field 'themes' has no code 'tortur'"):
            adj.disagreements(session, "themes", "tortur", by_coder_id=ids["cora"])
        with pytest.raises(ValueError, match="no coder named 'Zed'"):
            adj.disagreements(session, coders=["Zed", "Amina"], by_coder_id=ids["cora"])
    assert len(themes) == 5
    assert [d.number for d in torture] == ["28.10"]  # on 28.2 both chose torture
    assert [(d.number, d.field_key) for d in rejected] == [("28.9", "published_response")]
    assert len(pair) == 11
    assert alone == []


def test_agreements_are_the_shared_values_not_yet_decided(sample_project, ids):
    spec = spec_of(sample_project)
    with sample_project.session() as session:
        found = adj.agreements(session, by_coder_id=ids["cora"])
        themes = adj.agreements(session, "themes", by_coder_id=ids["cora"])
    assert len(found) == 25
    assert len(themes) == 7
    both_empty = next(a for a in themes if a.recommendation_id == rec(sample_project, "28.11"))
    assert both_empty.value == EMPTY
    assert both_empty.coders == ("Amina", "Ben")
    death = next(a for a in themes if a.recommendation_id == rec(sample_project, "28.3"))
    assert death.value == codes_of(spec, "themes", ["death_penalty"])


# ---------------------------------------------------------------------------- deciding


def test_a_decision_is_stored_audited_undone_and_read_back(sample_path, ids, sample_project):
    spec = spec_of(sample_project)
    themes = spec.field_by_key("themes").id
    rid = rec(sample_project, "28.2")
    ambers = codes_of(spec, "themes", ["torture", "detention"])
    narrow = codes_of(spec, "themes", ["torture"])

    with sample_project.write() as session:
        first = adj.decide(
            session, rid, themes, ambers, by_coder_id=ids["cora"], reason="Detention is named"
        )
    assert first.before is None and first.after == ambers

    other = open_project(sample_project.url)  # a second connection: what was committed
    with other.session() as session:
        assert adj.consensus_values(session, rid) == {themes: ambers}
        rows = session.scalars(select(Consensus).where(Consensus.recommendation_id == rid)).all()
        first_uuids = {r.uuid for r in rows}
        assert {(r.decided_by_id, r.reason) for r in rows} == {(ids["cora"], "Detention is named")}
        assert all(r.decided_at is not None and r.decided_at.tzinfo for r in rows)
        assert (
            adj.disagreements(session, "themes", by_coder_id=ids["cora"])[0].number == "28.4"
        )  # decided: left out
        decided = adj.disagreements(
            session, "themes", include_decided=True, by_coder_id=ids["cora"]
        )[0]
        assert decided.consensus == ambers
    other.close()

    with sample_project.write() as session:
        second = adj.decide(
            session, rid, themes, narrow, by_coder_id=ids["dan"], reason="Only torture is asked"
        )
    assert second.before == ambers
    events = decision_events(sample_project)
    assert [e.action for e in events] == ["decide", "decide"]
    before, after = json.loads(events[1].before), json.loads(events[1].after)
    assert before["codes"] == ["detention", "torture"] and before["decided_by"] == "Cora"
    assert after["codes"] == ["torture"] and after["reason"] == "Only torture is asked"
    assert events[1].coder_id == ids["dan"] and events[1].recommendation_id == rid

    with sample_project.write() as session:
        with pytest.raises(ValueError, match="decided again after this decision"):
            adj.undo_decision(session, first.audit_event_id, ids["cora"])
        assert adj.last_decision(session, rid, themes) == second.audit_event_id
        assert adj.undo_decision(session, second.audit_event_id, ids["cora"]) == ambers
    with sample_project.write() as session, pytest.raises(ValueError, match="already been undone"):
        adj.undo_decision(session, second.audit_event_id, ids["cora"])

    other = open_project(sample_project.url)
    with other.session() as session:
        assert adj.consensus_values(session, rid) == {themes: ambers}
        rows = session.scalars(select(Consensus).where(Consensus.recommendation_id == rid)).all()
        # Put back exactly: the same rows, who decided them and why.
        assert {r.uuid for r in rows} == first_uuids
        assert {(r.decided_by_id, r.reason) for r in rows} == {(ids["cora"], "Detention is named")}
        assert adj.last_decision(session, rid, themes) == first.audit_event_id
    other.close()

    with sample_project.write() as session:
        assert adj.undo_decision(session, first.audit_event_id, ids["dan"]) is None
        assert adj.consensus_values(session, rid) == {}
        assert adj.last_decision(session, rid, themes) is None
    events = decision_events(sample_project)
    assert [e.action for e in events] == ["decide", "decide", "undo_decision", "undo_decision"]
    assert json.loads(events[2].after)["undoes"] == second.audit_event_id


def test_text_yes_no_and_empty_decisions(sample_project, ids):
    spec = spec_of(sample_project)
    rid = rec(sample_project, "28.6")
    notes, themes = spec.field_by_key("notes").id, spec.field_by_key("themes").id
    with sample_project.write() as session:
        adj.decide(
            session, rid, notes, FieldValue(text="  Vague  "), by_coder_id=ids["cora"], reason="r"
        )
        adj.decide(session, rid, themes, EMPTY, by_coder_id=ids["cora"], reason="No theme fits")
    with sample_project.session() as session:
        values = adj.consensus_values(session, rid)
        # Decided "no code" is kept apart from "not decided": the field is there, empty.
        assert values == {notes: FieldValue(text="Vague"), themes: EMPTY}
        assert (
            adj.disagreements(session, "themes", include_decided=True, by_coder_id=ids["cora"])[
                2
            ].consensus
            == EMPTY
        )


def test_only_adjudicators_and_coordinators_decide_and_mistakes_write_nothing(sample_project, ids):
    spec = spec_of(sample_project)
    rid = rec(sample_project, "28.2")
    response = spec.field_by_key("published_response")
    accepted = codes_of(spec, "published_response", ["accepted"])
    cases = [
        (
            ids["amina"],
            accepted,
            "reason",
            "Only an adjudicator or a coordinator can decide the final value; you are a coder",
        ),
        (ids["cora"], accepted, "  ", "Give a reason for the decision"),
        (ids["cora"], codes_of(spec, "themes", ["torture"]), "r", "not codes of Published"),
        (
            ids["cora"],
            codes_of(spec, "published_response", ["accepted", "noted"]),
            "r",
            "takes one code; 2 were chosen",
        ),
        (ids["cora"], FieldValue(text="accepted"), "r", "takes codes, not text"),
    ]
    for coder, value, reason, message in cases:
        with pytest.raises(ValueError, match=message), sample_project.write() as session:
            adj.decide(session, rid, response.id, value, by_coder_id=coder, reason=reason)
    with (
        pytest.raises(ValueError, match="Only an adjudicator or a coordinator"),
        sample_project.write() as s,
    ):
        adj.accept_agreements(s, by_coder_id=ids["ben"])
    assert consensus_rows(sample_project) == 0
    assert decision_events(sample_project) == []


def test_accept_agreements_in_one_action(sample_project, ids):
    with sample_project.write() as session:
        assert adj.accept_agreements(session, "themes", by_coder_id=ids["dan"]) == 7
    with sample_project.write() as session:
        assert adj.accept_agreements(session, by_coder_id=ids["dan"]) == 18
    with sample_project.write() as session:
        assert adj.accept_agreements(session, by_coder_id=ids["dan"]) == 0
    events = decision_events(sample_project)
    assert len(events) == 25 and {e.action for e in events} == {"accept_agreement"}
    with sample_project.session() as session:
        assert adj.agreements(session, by_coder_id=ids["cora"]) == []
        assert (
            len(adj.disagreements(session, by_coder_id=ids["cora"])) == 11
        )  # disagreements stay for a person
        rows = session.scalars(select(Consensus)).all()
        assert {r.reason for r in rows} == {"All coders agreed (Amina, Ben)."}
        assert {r.decided_by_id for r in rows} == {ids["dan"]}
    with sample_project.write() as session:
        assert adj.undo_decision(session, events[0].id, ids["cora"]) is None
    with sample_project.session() as session:
        assert len(adj.agreements(session, by_coder_id=ids["cora"])) == 1


def test_annotator_adjudicate_lists_and_accepts(sample_path):
    project = open_project(sample_path)
    build_two_coder_project(project)
    project.close()
    blind = annotator("adjudicate", "--db", str(sample_path), "--as", "Ben")
    assert blind.returncode == 1
    assert "Only an adjudicator or a coordinator can see other coders' codes" in blind.stderr
    listed = annotator("adjudicate", "--db", str(sample_path), "--field", "themes", "--as", "Cora")
    assert listed.returncode == 0, listed.stderr
    assert (
        "China, cycle 3 28.2  themes  Amina: torture, detention | Ben: torture  "
        "(differ: detention)" in listed.stdout
    )
    assert "Amina: (no code) | Ben: labour" in listed.stdout
    assert listed.stdout.strip().endswith("5 disagreements to decide.")

    refused = annotator(
        "adjudicate", "--db", str(sample_path), "--accept-agreements", "--as", "Ben"
    )
    assert refused.returncode == 1
    assert "Only an adjudicator or a coordinator" in refused.stderr
    accepted = annotator(
        "adjudicate", "--db", str(sample_path), "--accept-agreements", "--as", "dan"
    )
    assert accepted.returncode == 0, accepted.stderr
    assert "for 25 values" in accepted.stdout
    nobody = annotator("adjudicate", "--db", str(sample_path), "--accept-agreements")
    assert nobody.returncode == 1 and "--as NAME" in nobody.stderr


# ------------------------------------------------------------------------- the dialog


@pytest.fixture
def dialog(qtbot, sample_project, ids):
    from annotator.gui.disagreements_view import DisagreementsDialog

    dialog = DisagreementsDialog(sample_project, ids["cora"])
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def listed(dialog) -> list[str]:
    return [dialog.unit_list.item(r).text() for r in range(dialog.unit_list.count())]


def test_the_dialog_resolves_every_disagreement(qtbot, dialog, sample_project, ids, tmp_path):
    spec = spec_of(sample_project)
    assert dialog.count_label.text() == "11 disagreements to decide"
    assert listed(dialog)[0] == "28.2 · Themes"
    assert dialog.heading.text() == "China, cycle 3, recommendation 28.2: Themes"
    assert dialog.text_view.toPlainText().startswith("Adhere to all human rights")
    assert dialog.differing_labels() == ["Detention"]
    assert [dialog.compare.item(r, 1).text() for r in range(2)] == ["✓", "✓"]
    assert set(dialog.take_buttons) == {"Amina", "Ben"}
    assert dialog.take_buttons["Amina"].text() == "Take Amina's value"
    assert dialog.grab().save(str(tmp_path / "disagreements.png"))

    # No reason: refused in the dialog, nothing written.
    with qtbot.assertNotEmitted(dialog.decided):
        qtbot.mouseClick(dialog.take_buttons["Amina"], LEFT)
    assert dialog.message_is_error and "reason" in dialog.message.text()
    assert consensus_rows(sample_project) == 0

    # Take Amina's value for the themes of 28.2.
    qtbot.keyClicks(dialog.reason_edit, "Detention is named in the text")
    with qtbot.waitSignal(dialog.decided):
        qtbot.mouseClick(dialog.take_buttons["Amina"], LEFT)
    assert not dialog.message_is_error
    assert dialog.message.text().startswith("Decided Themes of 28.2: Amina's value")
    with sample_project.session() as session:
        assert adj.consensus_values(session, rec(sample_project, "28.2")) == {
            spec.field_by_key("themes").id: codes_of(spec, "themes", ["torture", "detention"])
        }
    assert dialog.count_label.text() == "10 disagreements to decide"
    assert dialog.reason_edit.text() == ""
    assert listed(dialog)[0] == "28.4 · Themes"  # the next one moved up

    # Write a new value for 28.4: both justice and impunity.
    qtbot.keyClicks(dialog.reason_edit, "Both apply")
    qtbot.mouseClick(dialog.new_value_button, LEFT)
    editor = dialog.editor
    assert editor is not None and editor.isVisible()
    for key in ("justice", "impunity"):
        item = editor.item_for(key)
        item.setCheckState(Qt.CheckState.Checked)
    assert editor.value() == codes_of(spec, "themes", ["justice", "impunity"])
    with qtbot.waitSignal(dialog.decided):
        qtbot.mouseClick(editor.ok_button, LEFT)
    assert "a new value (Justice, Impunity)" in dialog.message.text()
    with sample_project.session() as session:
        assert adj.consensus_values(session, rec(sample_project, "28.4")) == {
            spec.field_by_key("themes").id: codes_of(spec, "themes", ["justice", "impunity"])
        }

    # Undo takes back the new value: 28.4 is open again and chosen.
    with qtbot.waitSignal(dialog.decided):
        qtbot.mouseClick(dialog.undo_button, LEFT)
    assert dialog.message.text() == "Undid the decision on Themes of 28.4: it is open again."
    assert dialog.current().number == "28.4"
    assert dialog.count_label.text() == "10 disagreements to decide"
    with sample_project.session() as session:
        assert adj.consensus_values(session, rec(sample_project, "28.4")) == {}

    # The rest: Ben's value each time, a reason each time, until nothing is left.
    while dialog.unit_list.count():
        dialog.reason_edit.setText("Ben read the response right")
        with qtbot.waitSignal(dialog.decided):
            qtbot.mouseClick(dialog.take_buttons["Ben"], LEFT)
    assert dialog.count_label.text() == "No disagreements: there is nothing to decide here."
    assert not dialog.new_value_button.isEnabled()
    with sample_project.session() as session:
        assert adj.disagreements(session, by_coder_id=ids["cora"]) == []
        decided = adj.disagreements(session, include_decided=True, by_coder_id=ids["cora"])
        assert [(d.number, d.field_key) for d in decided] == DISAGREEMENTS
        ben_taken = {d.number: d for d in decided if d.field_key == "action"}
        assert ben_taken["28.7"].consensus == ben_taken["28.7"].value_of("Ben")
        assert decided[0].consensus == decided[0].value_of("Amina")

    # Showing the decided ones, the one selected can still be undone.
    dialog.show_decided.setChecked(True)
    assert dialog.count_label.text() == "Every disagreement here is decided (11 shown)."
    assert listed(dialog)[0] == "28.2 · Themes  — decided"
    assert (
        dialog.consensus_label.text() == "Final value: Torture and other CID treatment, Detention."
    )

    # Accept all agreements, after a confirmation that says how many.
    asked: list[str] = []
    dialog.confirm = lambda question: asked.append(question) or True
    with qtbot.waitSignal(dialog.decided):
        qtbot.mouseClick(dialog.accept_all_button, LEFT)
    assert "for 25 values on 11 recommendations" in asked[0]
    assert dialog.message.text() == (
        "Accepted the coders' shared value on 25 values (11 recommendations)."
    )
    assert consensus_rows(sample_project) >= 36
    with sample_project.session() as session:
        assert adj.agreements(session, by_coder_id=ids["cora"]) == []
    assert dialog.accept_all_agreements() == 0
    assert "no agreements left" in dialog.message.text()


def test_the_dialog_filters_and_single_choice_editor(qtbot, dialog, sample_project, ids):
    spec = spec_of(sample_project)
    dialog.choose(field="published_response")
    assert listed(dialog) == ["28.2 · Published response", "28.9 · Published response"]
    assert dialog.code_combo.isEnabled()
    dialog.choose(field="published_response", code="rejected")
    assert listed(dialog) == ["28.9 · Published response"]
    assert dialog.differing_labels() == ["Accepted", "Rejected"]

    dialog.reason_edit.setText("The addendum says noted")
    editor = dialog.open_editor()
    editor.item_for("noted").setSelected(True)
    with qtbot.waitSignal(dialog.decided):
        editor.accept()
    with sample_project.session() as session:
        decided = adj.disagreements(
            session, "published_response", include_decided=True, by_coder_id=ids["cora"]
        )
    assert decided[1].consensus == codes_of(spec, "published_response", ["noted"])
    assert dialog.count_label.text() == "No disagreements: there is nothing to decide here."

    dialog.choose(field="action")
    pairs = [dialog.pair_combo.itemText(i) for i in range(dialog.pair_combo.count())]
    assert pairs == ["All coders", "Amina and Ben"]
    assert [dialog.code_combo.itemText(i) for i in range(3)] == [
        "Any code",
        "Minimal action",
        "Continuing action",
    ]


def test_a_coder_sees_no_one_elses_codes(qtbot, sample_project, ids):
    from annotator.gui.disagreements_view import DisagreementsDialog

    dialog = DisagreementsDialog(sample_project, ids["amina"])
    qtbot.addWidget(dialog)
    assert dialog.unit_list.count() == 0
    assert dialog.message_is_error
    assert "Only an adjudicator or a coordinator" in dialog.message.text()
    assert not dialog.accept_all_button.isEnabled()
    assert not dialog.reason_edit.isEnabled()


def test_a_failed_decision_is_shown_in_the_dialog(qtbot, dialog, sample_project, ids):
    with sample_project.write() as session:
        session.get(Coder, ids["cora"]).role = "coder"  # demoted while the dialog is open
    dialog.reason_edit.setText("Because")
    with qtbot.assertNotEmitted(dialog.decided):
        qtbot.mouseClick(dialog.take_buttons["Ben"], LEFT)
    assert dialog.message_is_error
    assert "Only an adjudicator or a coordinator" in dialog.message.text()
    assert consensus_rows(sample_project) == 0
