"""The theme suggester (issue 16): metrics against scikit-learn, storage, codebook checks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from annotator.codebook.yaml_io import builtin_codebook
from annotator.suggestions import ModelMismatch, SuggestionModel, predicted, train
from annotator.suggestions.metrics import evaluate
from annotator.suggestions.model import CodebookIdentity, ModelFileError
from annotator.suggestions.uprinfo_labels import identity_for, read_examples
from tests.benchmarks.bench_suggestions import DATA, _matrix


@pytest.fixture(scope="module")
def small_split():
    codebook = builtin_codebook()
    identity = identity_for(codebook)
    examples = read_examples(DATA, codebook)
    sessions = np.array(examples.sessions)
    train_rows = np.flatnonzero(sessions <= 3)[:1500]
    test_rows = np.flatnonzero(sessions == 20)[:500]
    model = train(
        [examples.texts[i] for i in train_rows], [examples.labels[i] for i in train_rows], identity
    )
    test_texts = [examples.texts[i] for i in test_rows]
    truth = _matrix([examples.labels[i] for i in test_rows], identity.codes)
    return identity, model, test_texts, truth


def test_metrics_agree_with_an_independent_scikit_learn_call(small_split):
    identity, model, texts, truth = small_split
    scores = model.scores(texts)
    chosen = predicted(scores, model.threshold)
    ours = evaluate(truth, chosen, scores)
    assert ours.micro_f1 == pytest.approx(f1_score(truth, chosen, average="micro"))
    used = (truth.sum(axis=0) + chosen.sum(axis=0)) > 0
    macro = f1_score(truth[:, used], chosen[:, used], average="macro", zero_division=0)
    assert ours.macro_f1 * len(identity.codes) / used.sum() == pytest.approx(macro)
    # recall@5 by hand, row by row
    shares = []
    for row in range(len(texts)):
        best = set(np.argsort(-scores[row], kind="stable")[:5])
        true = set(np.flatnonzero(truth[row]))
        shares.append(len(best & true) / len(true))
    assert ours.recall_at_5 == pytest.approx(np.mean(shares))
    assert ours.recall_at_5 > 0.7  # learns something from 1,500 examples


def test_model_survives_a_round_trip_through_its_file(small_split, tmp_path):
    _, model, texts, _ = small_split
    path = tmp_path / "themes.npz"
    model.save(path)
    again = SuggestionModel.load(path)
    assert again.identity.codes_hash == model.identity.codes_hash
    assert again.examples == model.examples > 100
    # Weights are stored as float16: the scores move by rounding only.
    assert np.allclose(again.scores(texts[:50]), model.scores(texts[:50]), atol=0.02)
    path.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="cannot be read"):
        SuggestionModel.load(path)


def test_model_is_refused_for_another_codebook_version(small_split):
    identity, model, _, _ = small_split
    model.check(identity)
    other = CodebookIdentity(
        identity.name, identity.version + 1, identity.field, identity.codes[:-1]
    )
    with pytest.raises(ModelMismatch, match=r"version 2 \(59 codes\).*trained again"):
        model.check(other)


def test_shipped_model_fits_the_built_in_codebook_and_suggests_torture():
    from annotator.suggestions.uprinfo_labels import builtin_model

    model = builtin_model()
    model.check(identity_for(builtin_codebook()))
    assert model.examples == 41066
    best = [
        s.code
        for s in model.suggest("Ratify the Optional Protocol to the Convention against Torture")
    ]
    assert "torture" in best[:5] and len(best) == 5
