"""Issue 14: the Summary's counts made by the database (SQLite and PostgreSQL) are the
figures the pandas analyses give over the whole frames."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from annotator import analysis
from annotator.services import analysis_data
from annotator.services.coding import form_spec
from annotator.services.exporting import summary_counts
from annotator.store.models import Recommendation
from tests.roles import coordinator_id


def test_the_summary_counts_from_sql_match_the_frames(any_sample_project):
    project = any_sample_project
    boss = coordinator_id(project)
    with project.session() as session:
        reviews = sorted(session.scalars(select(Recommendation.review_id).distinct()))
        spec = next(
            (f for f in form_spec(session).fields if f.key == analysis_data.VERIFIED_FIELD), None
        )
        for chosen in (None, reviews[:1]):
            data = analysis_data.load(session, review_ids=chosen, by_coder_id=boss)
            recs = data.recommendations
            groups = summary_counts.response_groups(session, chosen)
            assert sum(g.recommendations for g in groups) == len(recs) > 0
            for review_id in [None, *recs["review_id"].unique()]:
                expected = analysis.response_breakdown(recs, review_id)
                rows = [
                    (g.response, g.position, g.recommendations)
                    for g in groups
                    if review_id is None or g.review_id == review_id
                ]
                got = analysis.counted_breakdown(rows, expected.label)
                assert got.counts == expected.counts
                assert (got.total, got.answered, got.stages) == (
                    expected.total,
                    expected.answered,
                    expected.stages,
                )
                pd.testing.assert_frame_equal(got.wordings, expected.wordings)
                pd.testing.assert_frame_equal(got.positions, expected.positions)
            pd.testing.assert_frame_equal(
                analysis.regional_group_table(summary_counts.regional_groups(session, chosen)),
                analysis.by_regional_group(recs, data.recommending),
                check_names=False,
                check_column_type=False,
            )
            if spec is not None and data.verified is not None and not data.verified.empty:
                v = summary_counts.verification(session, spec, chosen, None)
                assert v is not None
                assert v.counts == analysis.verify_responses(recs, data.verified).counts
