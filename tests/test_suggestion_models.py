"""Which suggester a project gets: the shipped one, or one trained on its own coding (issue 16)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator import codebook as cbk
from annotator.paths import user_data_dir
from annotator.services import codebook as ce
from annotator.services import suggestion_models as sm
from annotator.services.coders import get_or_create_coder
from annotator.services.projects import init_project
from annotator.store import models
from annotator.suggestions import ModelMismatch, SuggestionModel
from annotator.suggestions.uprinfo_labels import read_examples
from tests.conftest import DATA

FIELD = "topics"


def team_codebook() -> cbk.Codebook:
    """A codebook of the project's own: a 'topics' field with twenty of the built-in
    themes (so UPR Info's labels give real coded examples), not the built-in one."""
    themes = cbk.builtin_codebook().field("themes")
    parents = {c.parent for c in themes.codes}
    codes = [cbk.Code(c.key, c.label) for c in themes.codes if c.key not in parents][:20]
    note = cbk.Field("note", "Note", "text")
    return cbk.Codebook(
        "Team themes", 1, "", [cbk.Field(FIELD, "Topics", "multi", codes=codes), note]
    )


@pytest.fixture(scope="module")
def examples():
    found = read_examples(DATA / "uprinfo_export_sessions01-20.csv.gz", team_codebook(), FIELD)
    return found.texts[:400], found.labels[:400]


@pytest.fixture
def team_project(tmp_path):
    project = init_project(tmp_path / "team.upr", codebook=team_codebook())
    yield project
    project.close()


def add_recommendations(project, texts, paragraph: int = 1) -> list[int]:
    with project.write() as session:
        review = session.scalars(select(models.Review)).first()
        if review is None:
            state = session.scalars(select(models.State).limit(1)).one()
            review = models.Review(state=state, cycle=1, year=2010)
            session.add(review)
        recs = [
            models.Recommendation(review=review, number=f"{paragraph}.{i}", text=t)
            for i, t in enumerate(texts)
        ]
        session.add_all(recs)
        session.flush()
        return [r.id for r in recs]


def code(project, rec_ids, labels, coder: str, *, consensus: bool = False) -> None:
    """Write codes as a coder marks them done (or as a consensus) straight into the project."""
    with project.write() as session:
        person = get_or_create_coder(session, coder, role="coordinator")
        field = session.scalars(
            select(models.CodebookField).where(models.CodebookField.key == FIELD)
        ).one()
        ids = {c.key: c.id for c in field.codes}
        for rec_id, keys in zip(rec_ids, labels, strict=True):
            for key in keys:
                if consensus:
                    session.add(
                        models.Consensus(
                            recommendation_id=rec_id,
                            field_id=field.id,
                            code_id=ids[key],
                            decided_by_id=person.id,
                        )
                    )
                else:
                    session.add(
                        models.Annotation(
                            recommendation_id=rec_id,
                            coder_id=person.id,
                            field_id=field.id,
                            code_id=ids[key],
                            codebook_version=1,
                        )
                    )
            if not consensus:
                session.add(
                    models.CodingStatus(recommendation_id=rec_id, coder_id=person.id, status="done")
                )


def test_the_built_in_codebook_gets_the_shipped_model(empty_project):
    loaded = sm.current_model(empty_project)
    assert loaded is not None and loaded.builtin
    assert loaded.field_key == "themes"
    assert loaded.source == "UPR Info labels, 41,066 recommendations"
    top = sm.suggest(
        loaded, "Ratify the Convention against Torture and prevent torture in detention"
    )
    assert len(top) == 5
    assert "Torture and other CID treatment" in [label for _key, label, _score in top]
    # The built-in model is never retrained from the project.
    assert sm.retrain_if_stale(empty_project) == loaded
    assert not (user_data_dir() / "suggestions").exists()


def test_below_the_minimum_there_is_no_model(team_project, examples):
    texts, labels = examples
    n = sm.MIN_EXAMPLES - 1
    code(team_project, add_recommendations(team_project, texts[:n]), labels[:n], "Amina")
    assert sm.current_model(team_project) is None
    assert sm.retrain_if_stale(team_project) is None
    assert "29 coded recommendations; they start at 30" in sm.status_line(team_project)


def test_a_project_model_is_trained_cached_in_the_user_folder_and_reloaded(team_project, examples):
    texts, labels = examples
    rec_ids = add_recommendations(team_project, texts[:200])
    code(team_project, rec_ids, labels[:200], "Amina")
    trained = sm.retrain_if_stale(team_project)
    assert trained is not None and not trained.builtin
    assert (
        trained.examples == 200 and trained.source == "this project's coding, 200 recommendations"
    )
    [cached] = (user_data_dir() / "suggestions").glob("*.npz")
    assert cached == sm.cache_path(team_project, trained.model.identity)
    assert team_project.info("project_uuid") in cached.name
    reloaded = sm.current_model(team_project)
    assert reloaded is not None and reloaded.examples == 200 and reloaded.field_key == FIELD
    text = "Take measures to end torture and ill-treatment in places of detention"
    # Weights are stored as float16: the same codes come out in the same order.
    assert [k for k, _l, _s in sm.suggest(reloaded, text)] == [
        k for k, _l, _s in sm.suggest(trained, text)
    ]
    # Fewer than min_new newly coded: the cached model stays (no retraining).
    more = add_recommendations(team_project, texts[200:210], paragraph=2)
    code(team_project, more, labels[200:210], "Amina")
    assert sm.retrain_if_stale(team_project, min_new=20).examples == 200
    assert sm.retrain_if_stale(team_project, min_new=5).examples == 210


def test_consensus_wins_over_the_coders_and_coders_count_by_half(team_project):
    rec_ids = add_recommendations(team_project, ["first", "second", "third"])
    with team_project.session() as session:
        keys = [c.key for c in session.scalars(select(models.Code).order_by(models.Code.id))][:3]
    a, b, c = keys
    # First: two coders disagree -> the union (each code ticked by half of them).
    code(team_project, rec_ids[:1], [[a]], "Amina")
    code(team_project, rec_ids[:1], [[a, b]], "Bruno")
    # Second: three coders -> only codes two of three ticked.
    code(team_project, rec_ids[1:2], [[a, c]], "Amina")
    code(team_project, rec_ids[1:2], [[a]], "Bruno")
    code(team_project, rec_ids[1:2], [[b]], "Chen")
    # Third: the coders said a, the consensus said c: the consensus is used.
    code(team_project, rec_ids[2:], [[a]], "Amina")
    code(team_project, rec_ids[2:], [[c]], "Dana", consensus=True)
    chosen = sm.suggestion_field(cbk_of(team_project))
    texts, labels = sm.training_examples(team_project, chosen)
    assert dict(zip(texts, labels, strict=True)) == {
        "first": sorted([a, b]),
        "second": [a],
        "third": [c],
    }


def test_in_progress_coding_is_not_trained_on(team_project):
    [rec_id] = add_recommendations(team_project, ["half done"])
    first = cbk_of(team_project).field(FIELD).codes[0].key
    code(team_project, [rec_id], [[first]], "Amina")
    with team_project.write() as session:
        status = session.scalars(select(models.CodingStatus)).one()
        status.status = "in_progress"
    chosen = sm.suggestion_field(cbk_of(team_project))
    assert sm.training_examples(team_project, chosen) == ([], [])


def cbk_of(project) -> cbk.Codebook:
    with project.session() as session:
        book = ce.active_codebook(session)
    assert book is not None
    return book


def test_a_model_for_another_codebook_version_is_refused_and_retrained(team_project, examples):
    texts, labels = examples
    code(team_project, add_recommendations(team_project, texts[:60]), labels[:60], "Amina")
    old = sm.retrain_if_stale(team_project)
    assert old is not None
    with team_project.write() as session:
        person = get_or_create_coder(session, "Amina")
        ce.add_code(
            session, FIELD, cbk.Code("digital-rights", "Digital rights"), coder_id=person.id
        )
    book = cbk_of(team_project)
    new_identity = sm.suggestion_field(book)
    assert book.version == 2 and new_identity is not None
    identity = sm.codebook_identity(book, new_identity)
    with pytest.raises(
        ModelMismatch, match="trained for codebook 'Team themes' version 1 \\(20 codes\\)"
    ):
        SuggestionModel.load(sm.cache_path(team_project, old.model.identity)).check(identity)
    # The old file is never offered for the new codes; the next retraining makes one for them.
    assert sm.current_model(team_project) is None
    again = sm.retrain_if_stale(team_project)
    assert again is not None and again.model.identity == identity and len(again.model.codes) == 21
    assert sm.current_model(team_project) is not None


def test_a_codebook_without_multi_choice_field_has_no_suggestions(tmp_path):
    book = cbk.Codebook("Notes only", 1, "", [cbk.Field("note", "Note", "text")])
    project = init_project(tmp_path / "notes.upr", codebook=book)
    try:
        assert sm.current_model(project) is None
        assert sm.retrain_if_stale(project) is None
        assert "no multi-choice field" in sm.status_line(project)
    finally:
        project.close()
