from __future__ import annotations

from sqlalchemy import select

from annotator.store.models import Recommendation
from annotator.store.queries import CHUNK, in_chunks


def test_in_chunks_keeps_every_item_in_order_in_lists_of_at_most_the_size():
    assert list(in_chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(in_chunks([], 3)) == []
    assert list(in_chunks(iter(range(6)), 3)) == [[0, 1, 2], [3, 4, 5]]
    assert [len(c) for c in in_chunks(range(2 * CHUNK + 1))] == [CHUNK, CHUNK, 1]


def test_in_chunks_reads_more_ids_than_sqlite_binds_in_one_statement(tmp_path):
    from annotator.services.projects import init_project
    from annotator.store.ids import new_uuid
    from annotator.store.models import Review, State

    project = init_project(tmp_path / "p.upr")
    with project.write() as session:
        state = session.scalars(select(State)).first()
        review = Review(state_id=state.id, cycle=3, uuid=new_uuid())
        session.add(review)
        session.flush()
        session.add_all(
            Recommendation(review_id=review.id, text=f"r{i}", number=str(i), sort_key=f"{i:05}")
            for i in range(1200)
        )
    with project.session() as session:
        ids = list(session.scalars(select(Recommendation.id)))
        found = [
            rid
            for chunk in in_chunks([*ids, 10**9])
            for rid in session.scalars(
                select(Recommendation.id).where(Recommendation.id.in_(chunk))
            )
        ]
    project.close()
    assert sorted(found) == sorted(ids) and len(ids) == 1200
