"""Codebook ▸ Edit, the service: every edit on a real project file, audited and versioned."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from annotator import codebook as cbk
from annotator.services import codebook as ce
from annotator.services.bulk import write_annotations
from annotator.services.codebook import active_codebook, active_codebook_row
from annotator.services.coders import get_or_create_coder
from annotator.store import models
from annotator.store.project import Project
from tests.project_helpers import table_counts


@pytest.fixture
def coder_id(sample_project: Project) -> int:
    with sample_project.write() as session:
        return get_or_create_coder(session, "Amina", role="coordinator").id


def book(project: Project) -> cbk.Codebook:
    with project.session() as session:
        current = active_codebook(session)
    assert current is not None
    return current


def revisions(project: Project) -> dict[int, str]:
    with project.session() as session:
        row = active_codebook_row(session)
        assert row is not None
        return {r.version: r.document for r in row.revisions}


def events(project: Project, action: str | None = None) -> list[models.AuditEvent]:
    with project.session() as session:
        query = select(models.AuditEvent).order_by(models.AuditEvent.id)
        if action:
            query = query.where(models.AuditEvent.action == action)
        return list(session.scalars(query))


def code_id(project: Project, field_key: str, code_key: str) -> int:
    with project.session() as session:
        return session.scalar(
            select(models.Code.id)
            .join(models.CodebookField)
            .join(models.Codebook)
            .where(
                models.Codebook.active,
                models.CodebookField.key == field_key,
                models.Code.key == code_key,
            )
        )


def field_id(project: Project, field_key: str) -> int:
    with project.session() as session:
        return session.scalar(
            select(models.CodebookField.id)
            .join(models.Codebook)
            .where(models.Codebook.active, models.CodebookField.key == field_key)
        )


def recommendation_ids(project: Project, n: int) -> list[int]:
    with project.session() as session:
        return list(
            session.scalars(select(models.Recommendation.id).order_by(models.Recommendation.id))
        )[:n]


def unchanged_snapshot(project: Project) -> tuple[int, int, int, str]:
    """Version, revisions, audit events and YAML: all must stay put when an edit is refused."""
    current = book(project)
    return (
        current.version,
        len(revisions(project)),
        len(events(project)),
        cbk.dump_yaml(current),
    )


# --------------------------------------------------------------------------- adding codes


def test_add_code_bumps_the_version_stores_the_yaml_and_audits(sample_project, coder_id):
    assert book(sample_project).version == 1
    with sample_project.write() as session:
        saved = ce.add_code(
            session,
            "themes",
            cbk.Code(
                key="digital_rights",
                label="Digital rights",
                definition="Privacy and freedom of expression online.",
                parent="civil_political_rights",
                shortcut="ctrl+alt+9",
                keywords=["internet", "online"],
            ),
            coder_id=coder_id,
        )
    assert saved.version == 2
    current = book(sample_project)
    assert current.version == 2
    themes = current.field("themes")
    code = themes.code("digital_rights")
    assert code.parent == "civil_political_rights"
    assert code.shortcut == "Ctrl+Alt+9"  # stored in canonical form
    assert code.keywords == ["internet", "online"]
    # last of its group, and the group's codes still follow their parent in the file
    assert ce.siblings(themes, "digital_rights")[-1] == "digital_rights"
    keys = [c.key for c in themes.codes]
    assert keys.index("civil_political_rights") < keys.index("digital_rights")
    after = keys.index("digital_rights") + 1
    assert after == len(keys) or themes.codes[after].parent in (
        "civil_political_rights",
        None,
    )

    docs = revisions(sample_project)
    assert sorted(docs) == [1, 2]
    assert docs[2] == cbk.dump_yaml(current)
    assert cbk.load_yaml(docs[2]).field("themes").code("digital_rights").label == "Digital rights"
    assert "digital_rights" not in docs[1]

    (event,) = events(sample_project, ce.EDIT)
    assert event.id == saved.event_id
    assert (event.entity, event.coder_id, event.before) == ("code", coder_id, None)
    after_state = json.loads(event.after)
    assert after_state["operation"] == "add_code"
    assert after_state["codebook_version"] == 2
    assert after_state["code"]["key"] == "digital_rights"
    with sample_project.session() as session:
        row = session.get(models.Code, code_id(sample_project, "themes", "digital_rights"))
        assert row is not None and event.entity_uuid == row.uuid


def test_suggested_keys_are_free_and_ordinal_keys_continue_the_scale(sample_project):
    current = book(sample_project)
    assert ce.suggest_code_key(current.field("themes"), "Digital Rights!") == "digital_rights"
    assert ce.suggest_code_key(current.field("themes"), "Torture") == "torture_2"
    assert ce.suggest_code_key(current.field("action"), "Anything") == "6"


def test_an_ordinal_code_is_added_at_the_end_of_the_scale(sample_project, coder_id):
    with sample_project.write() as session:
        ce.add_code(
            session, "action", cbk.Code(key="6", label="Beyond specific"), coder_id=coder_id
        )
    assert [c.key for c in book(sample_project).field("action").codes] == list("123456")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (cbk.Code(key="torture", label="Again"), "already has a code 'torture'"),
        (cbk.Code(key="x1", label="   "), "the label of code 'x1' in field 'themes' is empty"),
        (
            cbk.Code(key="x2", label="X", parent="no_such_code"),
            "parent 'no_such_code' of code 'x2' in field 'themes' is not a code",
        ),
        (cbk.Code(key="Bad Key", label="X"), "is not valid: a key may only contain"),
        (cbk.Code(key="x3", label="X", shortcut="t"), "shortcut 't' of code"),
        (cbk.Code(key="x4", label="X", colour="red"), "not of the form '#rrggbb'"),
        (cbk.Code(key="x5", label="X", shortcut="Ctrl+Space"), "is not valid"),
    ],
)
def test_a_bad_new_code_is_refused_and_nothing_changes(sample_project, coder_id, code, expected):
    before = unchanged_snapshot(sample_project)
    with pytest.raises(ce.CodebookEditError) as refused, sample_project.write() as session:
        ce.add_code(session, "themes", code, coder_id=coder_id)
    assert expected.casefold() in str(refused.value).casefold()
    assert unchanged_snapshot(sample_project) == before


def test_a_refused_edit_leaves_the_session_usable(sample_project, coder_id):
    """The savepoint: a caller may catch the refusal and go on in the same transaction."""
    with sample_project.write() as session:
        with pytest.raises(ce.CodebookEditError):
            ce.edit_code(session, "themes", "detention", shortcut="t", coder_id=coder_id)
        ce.rename_code(session, "themes", "detention", "Deprivation of liberty", coder_id=coder_id)
    current = book(sample_project)
    assert current.version == 2
    assert current.field("themes").code("detention").label == "Deprivation of liberty"
    assert current.field("themes").code("detention").shortcut == "d"


# --------------------------------------------------------------------------- editing codes


def test_rename_keeps_the_key_and_audits_before_and_after(sample_project, coder_id):
    old_label = book(sample_project).field("themes").code("torture").label
    with sample_project.write() as session:
        saved = ce.rename_code(
            session, "themes", "torture", "Torture and ill-treatment", coder_id=coder_id
        )
    code = book(sample_project).field("themes").code("torture")
    assert code.label == "Torture and ill-treatment"
    assert code.shortcut == "t"
    (event,) = events(sample_project, ce.EDIT)
    assert event.id == saved.event_id
    assert json.loads(event.before)["label"] == old_label
    assert json.loads(event.after)["code"]["label"] == "Torture and ill-treatment"
    assert "Torture and ill-treatment" in revisions(sample_project)[2]


def test_edit_code_changes_every_attribute_in_one_version(sample_project, coder_id):
    with sample_project.write() as session:
        ce.edit_code(
            session,
            "themes",
            "detention",
            coder_id=coder_id,
            definition="Lawfulness and conditions of detention.",
            include="Pre-trial detention.",
            exclude="Torture in custody: torture.",
            example="Improve conditions in prisons.",
            colour="#AABBCC",
            shortcut="ctrl+shift+D",
            keywords=["prison", "detention"],
        )
    current = book(sample_project)
    code = current.field("themes").code("detention")
    assert (code.definition, code.include, code.exclude, code.example) == (
        "Lawfulness and conditions of detention.",
        "Pre-trial detention.",
        "Torture in custody: torture.",
        "Improve conditions in prisons.",
    )
    assert (code.colour, code.shortcut, code.keywords) == (
        "#AABBCC",
        "Ctrl+Shift+d",
        ["prison", "detention"],
    )
    assert current.version == 2
    assert len(events(sample_project, ce.EDIT)) == 1

    with sample_project.write() as session:
        ce.edit_code(session, "themes", "detention", coder_id=coder_id, shortcut="", colour=None)
    code = book(sample_project).field("themes").code("detention")
    assert (code.shortcut, code.colour) == (None, None)
    stored = cbk.load_yaml(revisions(sample_project)[3]).field("themes").code("detention")
    assert (stored.shortcut, stored.colour) == (None, None)


def test_a_clashing_shortcut_is_refused_naming_both_codes(sample_project, coder_id):
    before = unchanged_snapshot(sample_project)
    with pytest.raises(ce.CodebookEditError) as refused, sample_project.write() as session:
        ce.edit_code(session, "themes", "detention", shortcut="T", coder_id=coder_id)
    message = str(refused.value)
    assert "'t'" in message and "'torture'" in message and "'detention'" in message
    assert "not saved" in message
    assert unchanged_snapshot(sample_project) == before
    # shortcuts clash across fields too: Ctrl+1 belongs to an action code
    with pytest.raises(ce.CodebookEditError, match="Ctrl\\+1"), sample_project.write() as session:
        ce.edit_code(session, "themes", "detention", shortcut="control+1", coder_id=coder_id)
    assert unchanged_snapshot(sample_project) == before


def test_edit_code_refuses_unknown_codes_and_no_op_edits(sample_project, coder_id):
    with (
        pytest.raises(ce.CodebookEditError, match="no code 'nope' in field 'themes'"),
        sample_project.write() as session,
    ):
        ce.edit_code(session, "themes", "nope", label="X", coder_id=coder_id)
    with (
        pytest.raises(ce.CodebookEditError, match="no field 'nope'"),
        sample_project.write() as session,
    ):
        ce.edit_code(session, "nope", "torture", label="X", coder_id=coder_id)
    label = book(sample_project).field("themes").code("torture").label
    with pytest.raises(ce.CodebookEditError, match="no changes"), sample_project.write() as session:
        ce.edit_code(session, "themes", "torture", label=label, coder_id=coder_id)
    with pytest.raises(TypeError), sample_project.write() as session:
        ce.edit_code(session, "themes", "torture", key="other", coder_id=coder_id)
    assert book(sample_project).version == 1


# --------------------------------------------------------------------------- moving codes


def test_move_up_down_and_to_a_position_among_siblings(sample_project, coder_id):
    themes = book(sample_project).field("themes")
    group = ce.siblings(themes, "detention")
    at = group.index("detention")
    assert at > 0
    with sample_project.write() as session:
        ce.move_code_up(session, "themes", "detention", coder_id=coder_id)
    moved = ce.siblings(book(sample_project).field("themes"), "detention")
    assert moved.index("detention") == at - 1
    assert sorted(moved) == sorted(group)
    with sample_project.write() as session:
        ce.move_code_down(session, "themes", "detention", coder_id=coder_id)
    assert ce.siblings(book(sample_project).field("themes"), "detention") == group
    with sample_project.write() as session:
        ce.move_code(session, "themes", "detention", 0, coder_id=coder_id)
    assert ce.siblings(book(sample_project).field("themes"), "detention")[0] == "detention"
    assert book(sample_project).version == 4
    assert sorted(revisions(sample_project)) == [1, 2, 3, 4]


def test_moving_a_group_takes_its_codes_along(sample_project, coder_id):
    themes = book(sample_project).field("themes")
    tops = ce.siblings(themes, "civil_political_rights")
    children = [c.key for c in themes.codes if c.parent == "civil_political_rights"]
    assert children
    with sample_project.write() as session:
        ce.move_code(session, "themes", "civil_political_rights", 0, coder_id=coder_id)
    themes = book(sample_project).field("themes")
    keys = [c.key for c in themes.codes]
    assert keys[0] == "civil_political_rights"
    assert keys[1 : 1 + len(children)] == children
    assert len(keys) == len({*keys}) == len(themes.codes)
    assert sorted(ce.siblings(themes, "civil_political_rights")) == sorted(tops)
    assert revisions(sample_project)[2] == cbk.dump_yaml(book(sample_project))


def test_moves_that_cannot_happen_are_refused(sample_project, coder_id):
    themes = book(sample_project).field("themes")
    first = ce.siblings(themes, "detention")[0]
    last = ce.siblings(themes, "detention")[-1]
    before = unchanged_snapshot(sample_project)
    for move, message in (
        (lambda s: ce.move_code_up(s, "themes", first, coder_id=coder_id), "already the first"),
        (lambda s: ce.move_code_down(s, "themes", last, coder_id=coder_id), "already the last"),
        (lambda s: ce.move_code_up(s, "action", "3", coder_id=coder_id), "scale order"),
    ):
        with pytest.raises(ce.CodebookEditError, match=message), sample_project.write() as s:
            move(s)
    assert unchanged_snapshot(sample_project) == before


def test_set_parent_moves_a_code_under_another_and_back_to_the_top(sample_project, coder_id):
    with sample_project.write() as session:
        ce.set_parent(session, "themes", "detention", "torture", coder_id=coder_id)
    themes = book(sample_project).field("themes")
    assert themes.code("detention").parent == "torture"
    keys = [c.key for c in themes.codes]
    assert keys.index("detention") == keys.index("torture") + 1
    with sample_project.write() as session:
        ce.set_parent(session, "themes", "detention", None, coder_id=coder_id)
    themes = book(sample_project).field("themes")
    assert themes.code("detention").parent is None
    assert ce.siblings(themes, "detention")[-1] == "detention"
    (first, second) = events(sample_project, ce.EDIT)
    assert json.loads(first.before)["parent"] == "civil_political_rights"
    assert json.loads(first.after)["code"]["parent"] == "torture"
    assert json.loads(second.after)["code"]["parent"] is None


def test_set_parent_refuses_cycles_unknown_parents_and_flat_fields(sample_project, coder_id):
    before = unchanged_snapshot(sample_project)
    cases = (
        ("themes", "civil_political_rights", "torture", "is itself under"),
        ("themes", "torture", "torture", "is itself under|own parent"),
        ("themes", "torture", "no_such_code", "no code 'no_such_code'"),
        ("position", "noted", "supported", "only codes of multi fields"),
    )
    for fkey, key, parent, message in cases:
        with pytest.raises(ce.CodebookEditError, match=message), sample_project.write() as s:
            ce.set_parent(s, fkey, key, parent, coder_id=coder_id)
    assert unchanged_snapshot(sample_project) == before


# --------------------------------------------------------------------------- retiring


def test_retire_and_restore_keep_the_code_and_its_annotations(sample_project, coder_id):
    rec = recommendation_ids(sample_project, 1)[0]
    with sample_project.write() as session:
        write_annotations(
            session,
            [
                (
                    rec,
                    coder_id,
                    field_id(sample_project, "themes"),
                    code_id(sample_project, "themes", "torture"),
                    None,
                    1,
                )
            ],
        )
    with sample_project.write() as session:
        ce.retire_code(session, "themes", "torture", coder_id=coder_id)
    code = book(sample_project).field("themes").code("torture")
    assert code.retired
    assert "retired: true" in revisions(sample_project)[2]
    assert table_counts(sample_project)["annotation"] == 1
    with (
        pytest.raises(ce.CodebookEditError, match="already retired"),
        sample_project.write() as session,
    ):
        ce.retire_code(session, "themes", "torture", coder_id=coder_id)
    with sample_project.write() as session:
        ce.restore_code(session, "themes", "torture", coder_id=coder_id)
    assert not book(sample_project).field("themes").code("torture").retired
    operations = [json.loads(e.after)["operation"] for e in events(sample_project, ce.EDIT)]
    assert operations == ["retire_code", "restore_code"]


def test_a_used_code_cannot_be_deleted_but_an_unused_one_can(sample_project, coder_id):
    rec = recommendation_ids(sample_project, 1)[0]
    with sample_project.write() as session:
        write_annotations(
            session,
            [
                (
                    rec,
                    coder_id,
                    field_id(sample_project, "themes"),
                    code_id(sample_project, "themes", "torture"),
                    None,
                    1,
                )
            ],
        )
        assert ce.code_usage(session, "themes", "torture") == ce.CodeUsage(1, 0)
        assert ce.usage_counts(session) == {("themes", "torture"): 1}
    before = unchanged_snapshot(sample_project)
    with (
        pytest.raises(ce.CodebookEditError, match=r"used by 1 annotation.*retire it"),
        sample_project.write() as session,
    ):
        ce.delete_code(session, "themes", "torture", coder_id=coder_id)
    with (
        pytest.raises(ce.CodebookEditError, match="has codes under it"),
        sample_project.write() as session,
    ):
        ce.delete_code(session, "themes", "civil_political_rights", coder_id=coder_id)
    assert unchanged_snapshot(sample_project) == before

    with sample_project.write() as session:
        ce.add_code(session, "themes", cbk.Code(key="typo", label="Typo"), coder_id=coder_id)
    with sample_project.write() as session:
        ce.delete_code(session, "themes", "typo", coder_id=coder_id)
    assert "typo" not in [c.key for c in book(sample_project).field("themes").codes]
    assert book(sample_project).version == 3
    assert "typo" in revisions(sample_project)[2] and "typo" not in revisions(sample_project)[3]


# --------------------------------------------------------------------------- fields


def test_add_a_text_field_and_a_single_choice_field(sample_project, coder_id):
    with sample_project.write() as session:
        saved = ce.add_field(
            session,
            cbk.Field(key="follow_up", label="Follow-up notes", kind="text"),
            coder_id=coder_id,
        )
        ce.add_field(
            session,
            cbk.Field(
                key="priority",
                label="Priority",
                kind="single",
                required=True,
                codes=[cbk.Code(key="high", label="High"), cbk.Code(key="low", label="Low")],
            ),
            coder_id=coder_id,
        )
    current = book(sample_project)
    assert [f.key for f in current.fields][-2:] == ["follow_up", "priority"]
    assert current.field("priority").required
    assert [c.key for c in current.field("priority").codes] == ["high", "low"]
    assert current.version == 3
    event = next(e for e in events(sample_project, ce.EDIT) if e.id == saved.event_id)
    assert event.entity == "field"
    assert json.loads(event.after)["field"]["kind"] == "text"
    assert "key: priority" in revisions(sample_project)[3]


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (cbk.Field(key="themes", label="Again", kind="text"), "already has a field 'themes'"),
        (cbk.Field(key="choice", label="Choice", kind="single"), "has no codes"),
        (cbk.Field(key="odd", label="Odd", kind="colourful"), "unknown kind"),
        (
            cbk.Field(key="yes", label="Yes", kind="boolean", codes=[cbk.Code("y", "Y")]),
            "cannot have codes",
        ),
        (cbk.Field(key="nolabel", label=" ", kind="text"), "is empty"),
    ],
)
def test_a_bad_new_field_is_refused(sample_project, coder_id, new, message):
    before = unchanged_snapshot(sample_project)
    with pytest.raises(ce.CodebookEditError, match=message), sample_project.write() as session:
        ce.add_field(session, new, coder_id=coder_id)
    assert unchanged_snapshot(sample_project) == before


# --------------------------------------------------------------------------- merging


@pytest.fixture
def coded(sample_project, coder_id):
    """Annotations and consensus for a merge of 'detention' (A) into 'torture' (B)."""
    project = sample_project
    with project.write() as session:
        other = get_or_create_coder(session, "Bo").id
    themes = field_id(project, "themes")
    a = code_id(project, "themes", "detention")
    b = code_id(project, "themes", "torture")
    keep = code_id(project, "themes", "womens_rights")
    assert keep is not None
    r1, r2, r3 = recommendation_ids(project, 3)
    with project.write() as session:
        write_annotations(
            session,
            [
                (r1, coder_id, themes, a, None, 1),  # moves to B
                (r1, coder_id, themes, keep, None, 1),  # untouched
                (r2, other, themes, a, None, 1),  # Bo has B already: removed
                (r2, other, themes, b, None, 1),
                (r3, coder_id, themes, b, None, 1),  # untouched
                (r3, other, themes, a, None, 1),  # moves to B
            ],
        )
        session.add_all(
            [
                models.Consensus(
                    recommendation_id=r1,
                    field_id=themes,
                    code_id=a,
                    decided_by_id=coder_id,
                    reason="clear",
                ),
                models.Consensus(
                    recommendation_id=r2, field_id=themes, code_id=a, decided_by_id=coder_id
                ),
                models.Consensus(
                    recommendation_id=r2, field_id=themes, code_id=b, decided_by_id=coder_id
                ),
            ]
        )
    return {
        "a": a,
        "b": b,
        "themes": themes,
        "coder": coder_id,
        "other": other,
        "recs": (r1, r2, r3),
    }


def rows(project: Project, model) -> list[tuple]:
    table = model.__table__
    with project.session() as session:
        return [tuple(r) for r in session.execute(select(table).order_by(table.c.id))]


def test_merge_preview_counts_what_would_move(sample_project, coded):
    with sample_project.session() as session:
        counts = ce.merge_preview(session, "themes", "detention", "torture")
    assert counts == ce.MergeCounts(
        annotations_remapped=2,
        annotations_removed=1,
        consensus_remapped=1,
        consensus_removed=1,
        coders=2,
        recommendations=3,
    )
    assert counts.annotations == 3 and counts.consensus == 2


def test_merge_remaps_annotations_and_consensus_without_duplicates(sample_project, coded):
    r1, r2, r3 = coded["recs"]
    a, b = coded["a"], coded["b"]
    with sample_project.write() as session:
        info = ce.merge_codes(session, "themes", "detention", "torture", coder_id=coded["coder"])
    assert (info.counts.annotations_remapped, info.counts.annotations_removed) == (2, 1)
    assert (info.counts.consensus_remapped, info.counts.consensus_removed) == (1, 1)
    assert info.version == 2

    with sample_project.session() as session:
        annotations = session.execute(
            select(
                models.Annotation.recommendation_id,
                models.Annotation.coder_id,
                models.Annotation.code_id,
            )
        ).all()
        consensus = session.execute(
            select(models.Consensus.recommendation_id, models.Consensus.code_id)
        ).all()
    assert not [x for x in annotations if x.code_id == a]
    assert sorted((r, c) for r, c, code in annotations if code == b) == sorted(
        [(r1, coded["coder"]), (r2, coded["other"]), (r3, coded["coder"]), (r3, coded["other"])]
    )
    assert len(annotations) == 5  # six before, one duplicate dropped
    assert len(annotations) == len(set(annotations))
    assert sorted(consensus) == sorted([(r1, b), (r2, b)])

    current = book(sample_project)
    assert current.field("themes").code("detention").retired
    assert current.version == 2
    assert "retired: true" in revisions(sample_project)[2]

    (merge,) = [e for e in events(sample_project, ce.MERGE) if e.entity == "code"]
    assert merge.id == info.event_id
    assert merge.coder_id == coded["coder"]
    assert len(json.loads(merge.before)["annotations"]) == 3
    per_row = [e for e in events(sample_project, ce.MERGE) if e.entity != "code"]
    assert sorted(e.entity for e in per_row) == ["annotation"] * 3 + ["consensus"] * 2
    assert {e.recommendation_id for e in per_row} == {r1, r2, r3}
    removed = [e for e in per_row if e.after is None]
    assert len(removed) == 2 and all(json.loads(e.before)["code_id"] == a for e in removed)

    with sample_project.session() as session:
        assert ce.last_merge(session) == info


def test_undo_merge_restores_the_exact_rows(sample_project, coded):
    annotations_before = rows(sample_project, models.Annotation)
    consensus_before = rows(sample_project, models.Consensus)
    with sample_project.write() as session:
        info = ce.merge_codes(session, "themes", "detention", "torture", coder_id=coded["coder"])
    assert rows(sample_project, models.Annotation) != annotations_before
    with sample_project.write() as session:
        ce.undo_merge(session, info.event_id, coder_id=coded["coder"])
    # same ids, uuids, codes and timestamps
    assert rows(sample_project, models.Annotation) == annotations_before
    assert rows(sample_project, models.Consensus) == consensus_before
    current = book(sample_project)
    assert not current.field("themes").code("detention").retired
    assert current.version == 3
    assert len(events(sample_project, ce.UNDO_MERGE)) == 1 + 3 + 2
    with sample_project.session() as session:
        assert ce.last_merge(session) is None
    with (
        pytest.raises(ce.CodebookEditError, match="already been undone"),
        sample_project.write() as session,
    ):
        ce.undo_merge(session, info.event_id, coder_id=coded["coder"])


def test_undo_keeps_a_code_retired_that_was_retired_before_the_merge(sample_project, coded):
    with sample_project.write() as session:
        ce.retire_code(session, "themes", "detention", coder_id=coded["coder"])
        info = ce.merge_codes(session, "themes", "detention", "torture", coder_id=coded["coder"])
        ce.undo_merge(session, info.event_id, coder_id=coded["coder"])
    assert book(sample_project).field("themes").code("detention").retired
    assert book(sample_project).version == 4


def test_undo_is_refused_when_a_moved_annotation_changed_since(sample_project, coded):
    with sample_project.write() as session:
        info = ce.merge_codes(session, "themes", "detention", "torture", coder_id=coded["coder"])
        moved = json.loads(session.get(models.AuditEvent, info.event_id).after)[
            "annotations_remapped"
        ][0]
        session.delete(session.get(models.Annotation, moved))
    before = unchanged_snapshot(sample_project)
    annotations = rows(sample_project, models.Annotation)
    with (
        pytest.raises(ce.CodebookEditError, match="1 annotation it moved has been changed"),
        sample_project.write() as session,
    ):
        ce.undo_merge(session, info.event_id, coder_id=coded["coder"])
    assert unchanged_snapshot(sample_project) == before
    assert rows(sample_project, models.Annotation) == annotations


@pytest.mark.parametrize(
    ("field_key", "source", "target", "message"),
    [
        ("themes", "torture", "torture", "into itself"),
        ("themes", "torture", "noted", "no code 'noted' in field 'themes'"),
        ("notes", "a", "b", "no code 'a'"),
    ],
)
def test_bad_merges_are_refused(sample_project, coded, field_key, source, target, message):
    before = unchanged_snapshot(sample_project)
    annotations = rows(sample_project, models.Annotation)
    with pytest.raises(ce.CodebookEditError, match=message), sample_project.write() as session:
        ce.merge_codes(session, field_key, source, target, coder_id=coded["coder"])
    assert unchanged_snapshot(sample_project) == before
    assert rows(sample_project, models.Annotation) == annotations


def test_a_merge_into_a_retired_code_is_refused(sample_project, coded):
    with sample_project.write() as session:
        ce.retire_code(session, "themes", "torture", coder_id=coded["coder"])
    annotations = rows(sample_project, models.Annotation)
    before = unchanged_snapshot(sample_project)
    with (
        pytest.raises(ce.CodebookEditError, match="'torture' is retired"),
        sample_project.write() as session,
    ):
        ce.merge_codes(session, "themes", "detention", "torture", coder_id=coded["coder"])
    assert rows(sample_project, models.Annotation) == annotations
    assert unchanged_snapshot(sample_project) == before
    with sample_project.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(models.AuditEvent)
                .where(models.AuditEvent.action == ce.MERGE)
            )
            == 0
        )


def test_undo_is_refused_when_the_old_code_was_used_again(sample_project, coded):
    r1 = coded["recs"][0]
    with sample_project.write() as session:
        info = ce.merge_codes(session, "themes", "detention", "torture", coder_id=coded["coder"])
        ce.restore_code(session, "themes", "detention", coder_id=coded["coder"])
        # the coder whose detention moved to torture on r1 chooses detention again
        write_annotations(session, [(r1, coded["coder"], coded["themes"], coded["a"], None, 3)])
    annotations = rows(sample_project, models.Annotation)
    before = unchanged_snapshot(sample_project)
    with (
        pytest.raises(ce.CodebookEditError, match="'detention' has been used again"),
        sample_project.write() as session,
    ):
        ce.undo_merge(session, info.event_id, coder_id=coded["coder"])
    assert rows(sample_project, models.Annotation) == annotations
    assert unchanged_snapshot(sample_project) == before
