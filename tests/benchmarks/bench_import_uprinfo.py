"""Benchmark: importing the whole UPR Info export (41,066 rows, sessions 1-20).

    python tests/benchmarks/bench_import_uprinfo.py [--repeat 3]

Reports the time to import the file into a new project (read, joint recommendations
merged, compared with the project, written, full-text indexed), next to the time pandas
alone takes to read the same CSV. Target (issue 3): under 3 times the plain read.
Uses tests/data/uprinfo_export_sessions01-20.csv.gz, so it runs from a clone alone.
"""

from __future__ import annotations

import argparse
import gzip
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent.parent / "data" / "uprinfo_export_sessions01-20.csv.gz"


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from annotator.importers import uprinfo
    from annotator.services.importing import ImportOptions, import_files, read_files
    from annotator.services.projects import init_project

    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "uprinfo_export_sessions01-20.csv"
        with gzip.open(DATA, "rb") as source:
            csv_path.write_bytes(source.read())

        plain = best_of(args.repeat, lambda: pd.read_csv(csv_path, dtype=str))

        # A floor for any importer that writes to SQLite: pandas reading the file and
        # dumping it, untouched, into a table (no matching, merging or indexing).
        def read_and_dump() -> None:
            dump = Path(folder) / "dump.sqlite"
            dump.unlink(missing_ok=True)
            with sqlite3.connect(dump) as connection:
                pd.read_csv(csv_path, dtype=str).to_sql("rows", connection, index=False)

        dumped = best_of(args.repeat, read_and_dump)
        read_only = best_of(args.repeat, lambda: uprinfo.read(csv_path))

        counter = iter(range(1_000))

        def full_import() -> None:
            project = init_project(Path(folder) / f"p{next(counter)}.upr")
            try:
                plan = import_files(project, [csv_path], ImportOptions(format="uprinfo"))
                assert plan.count("new") > 30_000, plan.count("new")
            finally:
                project.close()

        whole = best_of(args.repeat, full_import)
        batch = read_files([csv_path], ImportOptions(format="uprinfo"))[0]

    print(f"rows in the file:                     {41_066:,}")
    print(f"recommendations after joint merging:  {len(batch.recommendations):,}")
    print(f"pandas read_csv alone:                {plain:.2f} s")
    print(f"pandas read_csv + to_sql (a floor):   {dumped:.2f} s")
    print(f"UPR Coder reader alone:               {read_only:.2f} s")
    print(f"whole import into a new project:      {whole:.2f} s")
    print(f"import / plain read:                  {whole / plain:.1f}x (target < 3x)")
    print(f"import / read + to_sql:               {whole / dumped:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
