"""Benchmark: importing a Working Group report PDF (24 pages) and its addendum (8 pages).

    python tests/benchmarks/bench_import_un_documents.py [--repeat 3]

Imports Slovenia's 2019 report (A/HRC/43/15, 215 recommendations) and then its addendum
(A/HRC/43/15/Add.1, 157 responses) into a new project: the format told from the file,
the text extracted, the page furniture removed, the recommendations or responses read,
compared with the project and written. Printed next to the time pdfplumber alone takes
to extract the text of both PDFs (page.extract_text() on every page). Target (issue 11):
under 2 times the extraction alone. Peak memory is measured in a separate run (with
tracemalloc, which slows Python down). Also runs China 2024 (428 recommendations).

Uses tests/data/un_documents/ and tests/data/china_cycle4_*.pdf, so it runs from a clone
alone; the same documents are in ../shared/data/upr/un_documents/slovenia/ when present.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
CASES = {
    "Slovenia 2019 (24 + 8 pages)": (
        DATA / "un_documents" / "cycle3_A_HRC_43_15_working_group_report.pdf",
        DATA / "un_documents" / "cycle3_A_HRC_43_15_Add1_views_of_the_state.pdf",
        ("SVN", 3),
    ),
    "China 2024 fixture (15 + 3 pages)": (
        DATA / "china_cycle4_2024_A_HRC_55_6_report.pdf",
        DATA / "china_cycle4_2024_A_HRC_55_6_Add1.pdf",
        ("CHN", 4),
    ),
}


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def extract_only(paths: tuple[Path, ...]) -> None:
    import pdfplumber

    for path in paths:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                page.extract_text()


def run_case(name: str, report: Path, addendum: Path, review: object, repeat: int) -> None:
    from annotator.services.importing import ImportOptions, import_files
    from annotator.services.projects import init_project

    options = ImportOptions(review=review)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        counter = iter(range(1_000_000))

        def import_both() -> None:
            project = init_project(Path(folder) / f"p{next(counter)}.upr")
            try:
                first = import_files(project, [report], options)
                second = import_files(project, [addendum], options)
                assert not first.errors and not second.errors
            finally:
                project.close()

        extraction = best_of(repeat, lambda: extract_only((report, addendum)))
        whole = best_of(repeat, import_both)
        tracemalloc.start()
        import_both()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"{name}:")
    print(f"  pdfplumber alone, extracting the text: {extraction:6.2f} s")
    print(
        f"  import, report then addendum:          {whole:6.2f} s "
        f"({whole / extraction:.2f} x the extraction; target under 2 x)"
    )
    print(f"  peak memory of the import (Python):    {peak / 2**20:6.1f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from annotator.importers.records import ReviewRecord

    missing = [p for case in CASES.values() for p in case[:2] if not p.exists()]
    if missing:
        print(f"missing: {', '.join(str(p) for p in missing)}", file=sys.stderr)
        return 1
    shared = DATA.parent.parent / ".." / "shared" / "data" / "upr" / "un_documents"
    if not shared.exists():
        print("(../shared is absent: using the copies in tests/data only)")

    for name, (report, addendum, (iso3, cycle)) in CASES.items():
        run_case(name, report, addendum, ReviewRecord(iso3, cycle), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
