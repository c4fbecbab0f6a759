"""Several coders coding one shared project at once: a load for tests and benchmarks.

Each simulated coder is a thread with its own connection pool (as each coder's app
has), coding the same recommendations through ``CodingService`` like the screen does:
a theme, a response, a note, then done. The result says what each coder saved, so a
caller can check every value against the database.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from annotator.services.coders import get_or_create_coder
from annotator.services.coding import CodingService, FieldValue, FormSpec, load_values
from annotator.store.models import Recommendation
from annotator.store.project import open_project


@dataclass(frozen=True)
class LoadResult:
    coders: int
    recommendations: int
    annotations_written: int
    seconds: float
    errors: tuple[str, ...]
    expected: dict[tuple[int, int], dict[int, FieldValue]]  # (coder, recommendation) -> values

    @property
    def per_second(self) -> float:
        return self.annotations_written / self.seconds if self.seconds else 0.0


def _values_for(spec: FormSpec, coder_index: int, rid: int) -> dict[int, FieldValue]:
    themes = [c for c in spec.field_by_key("themes").codes if not c.retired]
    published = spec.field_by_key("published_response").codes
    notes = spec.field_by_key("notes")
    first, second = themes[(rid + coder_index) % len(themes)], themes[rid % len(themes)]
    return {
        spec.field_by_key("themes").id: FieldValue(frozenset({first.id, second.id})),
        spec.field_by_key("published_response").id: FieldValue(
            frozenset({published[(rid * 7 + coder_index) % len(published)].id})
        ),
        notes.id: FieldValue(text=f"coder {coder_index} on {rid}"),
    }


def run_load(url: str, coders: int, recommendations: int) -> LoadResult:
    """``coders`` threads each code the first ``recommendations`` recommendations."""
    setup = open_project(url)
    try:
        with setup.write() as session:
            coder_ids = [
                get_or_create_coder(session, f"Load coder {i + 1}").id for i in range(coders)
            ]
            ids = list(
                session.scalars(
                    select(Recommendation.id).order_by(Recommendation.id).limit(recommendations)
                )
            )
        spec = CodingService(setup, coder_ids[0]).form()
    finally:
        setup.close()
    expected: dict[tuple[int, int], dict[int, FieldValue]] = {}
    errors: list[str] = []
    written = [0] * coders
    start_line = threading.Barrier(coders)

    def code(index: int) -> None:
        project = open_project(url)
        service = CodingService(project, coder_ids[index])
        try:
            start_line.wait()
            for rid in ids:
                values = _values_for(spec, index, rid)
                for field_id, value in values.items():
                    service.save(rid, field_id, value)
                    written[index] += len(value.codes) or 1
                service.set_status(rid, "done")
                expected[(coder_ids[index], rid)] = values
        except Exception as error:
            errors.append(f"coder {index + 1}: {type(error).__name__}: {error}")
        finally:
            project.close()

    threads = [threading.Thread(target=code, args=(i,)) for i in range(coders)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return LoadResult(coders, len(ids), sum(written), seconds, tuple(errors), expected)


def check_load(url: str, result: LoadResult) -> list[str]:
    """Every value each coder saved, read back: the list of what is wrong (empty: all well)."""
    project = open_project(url)
    wrong = []
    try:
        with project.session() as session:
            for (coder_id, rid), values in result.expected.items():
                stored = load_values(session, rid, coder_id)
                if stored != values:
                    wrong.append(f"coder {coder_id}, recommendation {rid}: {stored} != {values}")
    finally:
        project.close()
    return wrong
