"""Benchmark: the theme suggester against a TF-IDF + linear SVM baseline (issue 16).

    python tests/benchmarks/bench_suggestions.py [--curve-only] [--no-curve]

Trains on UPR Info sessions 1-17 and evaluates on sessions 18-20 (the project's own
test data, tests/data/uprinfo_export_sessions01-20.csv.gz), and prints side by side
for the shipped suggester (numpy, annotator.suggestions) and scikit-learn's
TfidfVectorizer + LinearSVC (defaults, one-vs-rest): micro-F1, macro-F1, recall@5,
training time, time to suggest for one recommendation, and the peak memory of the
process that trained. Targets: shipped >= baseline on micro-F1 and recall@5; one
suggestion under 20 ms; training within 60 s and 1 GB.

The second table is the project-trained case: recall@5 on sessions 18-20 of a model
trained on the first 50, 100, 200, 500 (and 1000) of a random draw of sessions 1-17,
as if that many recommendations had been coded.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data" / "uprinfo_export_sessions01-20.csv.gz"
LAST_TRAINING_SESSION = 17


def _load():
    from annotator.codebook.yaml_io import builtin_codebook
    from annotator.suggestions.uprinfo_labels import identity_for, read_examples

    codebook = builtin_codebook()
    identity = identity_for(codebook)
    examples = read_examples(DATA, codebook)
    return identity, examples


def _matrix(labels, codes):
    column = {c: i for i, c in enumerate(codes)}
    out = np.zeros((len(labels), len(codes)), dtype=np.int8)
    for row, keys in enumerate(labels):
        for key in keys:
            out[row, column[key]] = 1
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _time_one(suggest, texts) -> float:
    times = []
    for text in texts:
        start = time.perf_counter()
        suggest(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def shipped(split, identity, queue) -> None:
    from annotator.suggestions import predicted, train
    from annotator.suggestions.metrics import evaluate

    train_texts, train_labels, test_texts, truth = split
    start = time.perf_counter()
    model = train(train_texts, train_labels, identity, source="bench")
    seconds = time.perf_counter() - start
    scores = model.scores(test_texts)
    result = evaluate(truth, predicted(scores, model.threshold), scores)
    one = _time_one(lambda t: model.suggest(t, 5), test_texts[:300])
    queue.put(("shipped (numpy SVM)", result, seconds, one, _peak_mb()))


def baseline(split, identity, queue) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import LinearSVC

    from annotator.suggestions.metrics import evaluate

    train_texts, train_labels, test_texts, truth = split
    target = _matrix(train_labels, identity.codes)
    used = target.sum(axis=0) > 0  # LinearSVC needs both classes for every code
    start = time.perf_counter()
    vectorizer = TfidfVectorizer()
    classifier = OneVsRestClassifier(LinearSVC())
    classifier.fit(vectorizer.fit_transform(train_texts), target[:, used])
    seconds = time.perf_counter() - start
    scores = np.full((len(test_texts), len(identity.codes)), -10.0)
    scores[:, used] = classifier.decision_function(vectorizer.transform(test_texts))
    result = evaluate(truth, (scores > 0).astype(np.int8), scores)

    def one(text):
        row = classifier.decision_function(vectorizer.transform([text]))[0]
        return np.argsort(-row)[:5]

    queue.put(
        (
            "baseline (sklearn LinearSVC)",
            result,
            seconds,
            _time_one(one, test_texts[:300]),
            _peak_mb(),
        )
    )


def _in_child(target, *args):
    """Runs one system in its own process, so that its peak memory is its own."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-curve", action="store_true")
    parser.add_argument("--curve-only", action="store_true")
    args = parser.parse_args()

    identity, examples = _load()
    sessions = np.array(examples.sessions)
    train_rows = np.flatnonzero(sessions <= LAST_TRAINING_SESSION)
    test_rows = np.flatnonzero(sessions > LAST_TRAINING_SESSION)
    texts, labels = examples.texts, examples.labels
    test_texts = [texts[i] for i in test_rows]
    truth = _matrix([labels[i] for i in test_rows], identity.codes)
    print(
        f"{len(train_rows)} recommendations to train on (sessions 1-{LAST_TRAINING_SESSION}), "
        f"{len(test_rows)} to test on (sessions {LAST_TRAINING_SESSION + 1}-20), "
        f"{len(identity.codes)} theme codes"
    )

    if not args.curve_only:
        split = ([texts[i] for i in train_rows], [labels[i] for i in train_rows], test_texts, truth)
        rows = [_in_child(shipped, split, identity), _in_child(baseline, split, identity)]
        print(
            f"\n{'system':30} {'micro-F1':>9} {'macro-F1':>9} {'recall@5':>9} "
            f"{'train s':>8} {'suggest ms':>11} {'peak MB':>8}"
        )
        for name, result, seconds, one, peak in rows:
            print(
                f"{name:30} {result.micro_f1:9.4f} {result.macro_f1:9.4f} "
                f"{result.recall_at_5:9.4f} {seconds:8.1f} {one:11.2f} {peak:8.0f}"
            )
        ours, theirs = rows[0][1], rows[1][1]
        verdict = ours.micro_f1 >= theirs.micro_f1 and ours.recall_at_5 >= theirs.recall_at_5
        print("shipped >= baseline on micro-F1 and recall@5:", "yes" if verdict else "NO")

    if not args.no_curve:
        from annotator.suggestions import train
        from annotator.suggestions.metrics import recall_at

        draw = np.random.default_rng(16).permutation(train_rows)
        print("\nproject-trained: recall@5 on sessions 18-20 after N coded recommendations")
        print(f"{'coded':>6} {'recall@5':>9} {'train s':>8}")
        for count in (50, 100, 200, 500, 1000):
            picked = draw[:count]
            start = time.perf_counter()
            model = train([texts[i] for i in picked], [labels[i] for i in picked], identity)
            seconds = time.perf_counter() - start
            print(f"{count:6} {recall_at(truth, model.scores(test_texts)):9.4f} {seconds:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
