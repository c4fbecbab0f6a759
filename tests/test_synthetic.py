"""The synthetic project generator used by benchmarks: sizes, realism, agreement, seeds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from annotator.services.synthetic import SyntheticSpec, generate, real_texts
from annotator.store.models import (
    Annotation,
    Coder,
    CodingStatus,
    Recommendation,
    RecommendationState,
    Review,
)


def annotation_sets(project, field_key: str) -> dict[tuple[int, int], frozenset[int]]:
    sets: dict[tuple[int, int], set[int]] = {}
    with project.session() as session:
        rows = session.execute(
            text(
                "SELECT a.recommendation_id, a.coder_id, a.code_id FROM annotation a "
                "JOIN codebook_field f ON f.id = a.field_id WHERE f.key = :k"
            ),
            {"k": field_key},
        )
        for rec, coder, code in rows:
            sets.setdefault((rec, coder), set()).add(code)
    return {k: frozenset(v) for k, v in sets.items()}


def pairwise_agreement(sets, coders) -> float:
    recs = {rec for rec, _ in sets}
    same = total = 0
    for rec in recs:
        values = [sets.get((rec, c)) for c in coders]
        for i in range(len(values)):
            for j in range(i + 1, len(values)):
                total += 1
                same += values[i] == values[j]
    return same / total


def test_sizes_and_real_content(empty_project):
    report = generate(empty_project, SyntheticSpec(recommendations=1_000, coders=3, seed=7))
    assert (report.recommendations, report.coders) == (1_000, 3)
    pool = set(real_texts())
    with empty_project.session() as session:
        assert session.scalar(select(func.count(Recommendation.id))) == 1_000
        assert session.scalar(select(func.count(Review.id))) == report.reviews == 4
        assert session.scalar(select(func.count(Coder.id))) == 3
        assert session.scalar(select(func.count()).select_from(CodingStatus)) == 3_000
        assert session.scalar(select(func.count(Annotation.id))) == report.annotations
        texts = set(session.scalars(select(Recommendation.text)))
        assert texts <= pool and len(texts) > 200
        # Every recommendation has a recommending state, never the state under review.
        own = session.scalar(
            select(func.count())
            .select_from(RecommendationState)
            .join(Recommendation, Recommendation.id == RecommendationState.recommendation_id)
            .join(Review, Review.id == Recommendation.review_id)
            .where(Review.state_id == RecommendationState.state_id)
        )
        assert own == 0
        linked = session.scalar(
            select(func.count(func.distinct(RecommendationState.recommendation_id)))
        )
        assert linked == 1_000
    # Each coder gives one value per single-choice field per recommendation.
    position = annotation_sets(empty_project, "position")
    assert len(position) == 3_000 and all(len(v) == 1 for v in position.values())
    themes = annotation_sets(empty_project, "themes")
    assert all(1 <= len(v) <= 3 for v in themes.values())


@pytest.mark.parametrize("agreement", [1.0, 0.5])
def test_agreement_rate_is_controllable(tmp_path, agreement):
    from annotator.services.projects import init_project

    project = init_project(tmp_path / f"a{agreement}.upr")
    try:
        generate(
            project, SyntheticSpec(recommendations=1_500, coders=2, agreement=agreement, seed=3)
        )
        with project.session() as session:
            coders = list(session.scalars(select(Coder.id)))
        observed = pairwise_agreement(annotation_sets(project, "position"), coders)
    finally:
        project.close()
    # Two coders agree when both copy the reference (agreement²) or match by chance.
    if agreement == 1.0:
        assert observed == 1.0
    else:
        assert 0.25 < observed < 0.45


def test_same_seed_same_project(tmp_path):
    from annotator.services.projects import init_project

    snapshots = []
    for name in ("one", "two"):
        project = init_project(tmp_path / f"{name}.upr")
        generate(project, SyntheticSpec(recommendations=300, coders=2, seed=11))
        with project.session() as session:
            snapshots.append(
                session.execute(
                    text(
                        "SELECT r.number, r.text, r.response, a.coder_id, a.field_id, a.code_id "
                        "FROM recommendation r JOIN annotation a ON a.recommendation_id = r.id "
                        "ORDER BY r.id, a.coder_id, a.field_id, a.code_id"
                    )
                ).all()
            )
        project.close()
    assert snapshots[0] == snapshots[1]


def test_bad_specs_are_refused(empty_project):
    with pytest.raises(ValueError, match="between 0 and 1"):
        generate(empty_project, SyntheticSpec(agreement=1.5))
    with pytest.raises(ValueError, match="at most 772 reviews"):
        generate(empty_project, SyntheticSpec(recommendations=1_000, reviews=900))
