"""Several coders coding one shared project at once: a load for tests and benchmarks.

Each simulated coder is a thread with its own connection pool (as each coder's app
has), coding the same recommendations through ``CodingService`` like the screen does:
a theme, a response, a note, then done. The result says what each coder saved, so a
caller can check every value against the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
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
    # Every required field filled: each recommendation is then marked done.
    positions = [c for c in spec.field_by_key("position").codes if not c.retired]
    first, second = themes[(rid + coder_index) % len(themes)], themes[rid % len(themes)]
    return {
        spec.field_by_key("themes").id: FieldValue(frozenset({first.id, second.id})),
        spec.field_by_key("published_response").id: FieldValue(
            frozenset({published[(rid * 7 + coder_index) % len(published)].id})
        ),
        spec.field_by_key("position").id: FieldValue(
            frozenset({positions[(rid + coder_index) % len(positions)].id})
        ),
        notes.id: FieldValue(text=f"coder {coder_index} on {rid}"),
    }


def load_coder(index: int) -> str:
    return f"Load coder {index + 1}"


def run_load(
    url: str, coders: int, recommendations: int, logins: Sequence[str] | None = None
) -> LoadResult:
    """``coders`` threads each code the first ``recommendations`` recommendations.

    With ``logins`` (one URL a coder, each a server login linked to "Load coder N"),
    every coder connects as their own login, as on a secured team server.
    """
    setup = open_project(url)
    try:
        with setup.write() as session:
            coder_ids = [get_or_create_coder(session, load_coder(i)).id for i in range(coders)]
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
        project = open_project(logins[index] if logins else url)
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


def secured_logins(server, project, coders: int) -> list[str]:
    """A server login per load coder (load_1, load_2 ...), linked by ``db grant``; their URLs."""
    import psycopg

    from annotator.services.server_logins import grant_login

    database = project.url.rsplit("/", 1)[1]
    with psycopg.connect(
        host="127.0.0.1", port=server.port, user="upr", dbname="postgres", autocommit=True
    ) as connection:
        for i in range(coders):
            login = f"load_{i + 1}"
            if not connection.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)
            ).fetchone():
                connection.execute(f"CREATE ROLE {login} LOGIN")
    urls = []
    for i in range(coders):
        grant_login(project, f"load_{i + 1}", load_coder(i))
        urls.append(f"postgresql+psycopg://load_{i + 1}@127.0.0.1:{server.port}/{database}")
    return urls
