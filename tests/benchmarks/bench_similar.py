"""Benchmark: similar recommendations on the real China 2013 and 2018 data.

    python tests/benchmarks/bench_similar.py

Imports China cycle 2 (UPR Info, session 17) and cycle 3 (OHCHR matrix) into a fresh
project and reports: the first look-up for a 2018 recommendation (vectorising 2013),
then the median and worst of the next ones (from the in-memory cache), and the whole
``stats --changed`` comparison. The reading pane calls the look-up on every
recommendation shown, so the cached figure should stay well under 30 ms.
"""

from __future__ import annotations

import csv
import gzip
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"


def main() -> None:
    from sqlalchemy import select

    from annotator.services import similar
    from annotator.services.importing import ImportOptions, import_files
    from annotator.services.projects import init_project
    from annotator.store.models import Recommendation

    with tempfile.TemporaryDirectory() as tmp:
        with gzip.open(DATA / "uprinfo_export_sessions01-20.csv.gz", "rt", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        wanted = [r for r in body if r[0] == "China" and r[header.index("Session")] == "17"]
        out = io.StringIO()
        csv.writer(out).writerows([header, *wanted])
        path = Path(tmp) / "china_17.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        project = init_project(Path(tmp) / "bench.upr")
        import_files(project, [path], ImportOptions("uprinfo"))
        import_files(project, [DATA / "china_cycle3_2018_matrix.csv"])
        with project.session() as session:
            ids = list(
                session.scalars(select(Recommendation.id).where(Recommendation.number.like("28.%")))
            )
        times = []
        for rid in ids:
            start = time.perf_counter()
            similar.similar_for(project, rid)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{len(ids)} look-ups for China 2018 against China 2013")
        print(f"first (builds the index): {times[0]:.1f} ms")
        rest = times[1:]
        print(f"cached: median {statistics.median(rest):.1f} ms, worst {max(rest):.1f} ms")
        similar._CACHE.clear()
        start = time.perf_counter()
        report = similar.changed_between(project, "China:2", "China:3")
        took = (time.perf_counter() - start) * 1000
        print(f"stats --changed China:2 China:3: {took:.0f} ms, {len(report.pairs)} pairs")
        project.close()


if __name__ == "__main__":
    main()
