"""Peak memory of reading each hostile file of issue 13 (the bound: 500 MB).

    python tests/benchmarks/bench_hostile_inputs.py

Each file is made here (nothing is read from ../shared), then read in a fresh
subprocess the way `annotator import` reads it (detection, the reader, the intake
checks). The child reports its peak resident memory (getrusage ru_maxrss) and the
peak of Python's own allocations (tracemalloc); the parent prints one line a file with
the outcome. An abort would show as a negative exit status.

Before issue 13 these files aborted the process (the far-away cell: a 512 GB
allocation), or took 6 GB (the repeated .ods), 1.2 GB and 4.6 GB (the 1 MB and 4 MB
zip bombs).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import hostile_files as hostile  # noqa: E402

BOUND_MB = 500

CHILD = r"""
import json, resource, sys, tracemalloc
from pathlib import Path
tracemalloc.start()
from annotator.services.importing import ImportOptions, read_files
from annotator.importers.generic_table import parse_mapping
path = Path(sys.argv[1])
mapping = parse_mapping(sys.argv[2]) if sys.argv[2] else None
options = ImportOptions(format=sys.argv[3] or None, mapping=mapping)
if mapping:
    from annotator.importers.records import ReviewRecord
    options = ImportOptions(format="table", mapping=mapping, review=ReviewRecord("FRA", 3))
batches = read_files([path], options)
problems = [str(p) for b in batches for p in b.errors]
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "python_mb": peak / 2**20,
    "records": sum(len(b.recommendations) for b in batches),
    "outcome": problems[0] if problems else "read",
}))
"""

CODES_CHILD = r"""
import json, resource, sys
from pathlib import Path
from annotator.services.coding_sheet import import_coding_sheet
from annotator.store.project import open_project
project = open_project(sys.argv[1])
# Amina brings in her own sheet (the first coder of the sample is its coordinator).
result = import_coding_sheet(
    project, Path(sys.argv[2]), dry_run=True, by_coder_id=int(sys.argv[3])
)
print(json.dumps({
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "python_mb": float("nan"),
    "records": result.recommendations,
    "outcome": "read (dry run)",
}))
"""


def measure(args: list[str], child: str = CHILD) -> tuple[dict, float, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", child, *args],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"outcome": done.stderr.strip()[-300:]}, seconds, done.returncode
    return json.loads(done.stdout.strip().splitlines()[-1]), seconds, 0


def _largest_word_document(path: Path, paragraphs: int) -> Path:
    import zipfile

    parts = hostile._docx_bytes()
    head, tail = parts["word/document.xml"].split(b"<w:body>", 1)
    body = b"<w:p><w:r><w:t>ab</w:t></w:r></w:p>" * paragraphs
    parts["word/document.xml"] = head + b"<w:body>" + body + tail
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _coding_sheet_with_far_cell(folder: Path) -> tuple[Path, Path, int]:
    import openpyxl

    from annotator.services.coders import get_or_create_coder
    from annotator.services.coding_sheet import write_coding_sheet
    from annotator.services.projects import init_project

    project = init_project(folder / "sample.upr", sample=True)
    with project.write() as session:
        amina = get_or_create_coder(session, "Amina").id
    sheet = folder / "amina.xlsx"
    # A coder writes her own sheet: no coordinator needed.
    write_coding_sheet(project, "Amina", sheet, by_coder_id=amina)
    project.close()
    book = openpyxl.load_workbook(sheet)
    book.worksheets[0]["XFD1048576"] = "stray"
    book.save(sheet)
    return folder / "sample.upr", sheet, amina


def main() -> int:
    table = "number=Para,text=Recommendation"
    print(
        f"Peak memory reading hostile files (bound {BOUND_MB} MB); Python {sys.version.split()[0]}"
    )
    print(f"{'file':<44} {'size':>9} {'peak RSS':>9} {'Python':>8} {'time':>6}  outcome")
    worst = 0.0
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cases: list[tuple[str, Path, list[str]]] = [
            ("xlsx, one cell at XFD1048576", hostile.far_cell_xlsx(folder / "far.xlsx"), []),
            (
                "xlsx, far cell, no <dimension>",
                hostile.far_cell_xlsx(folder / "far2.xlsx", declared=False),
                [],
            ),
            ("xlsx far cell, as a mapped table", folder / "far.xlsx", [table]),
            ("ods, 90 million repeated cells", hostile.repeated_ods(folder / "rep.ods"), []),
            (
                "ods as LibreOffice writes it (accepted)",
                hostile.plain_ods(folder / "plain.ods", [["Para", "Recommendation"], ["1.1", "x"]]),
                [table],
            ),
            ("docx zip bomb, 1 GB unpacked", hostile.zip_bomb_docx(folder / "b1.docx", 1000), []),
            ("docx zip bomb, 4 GB unpacked", hostile.zip_bomb_docx(folder / "b4.docx", 4000), []),
            ("docx bomb with forged sizes", hostile.forged_size_docx(folder / "forged.docx"), []),
            ("docx, billion laughs", hostile.billion_laughs_docx(folder / "laughs.docx"), []),
            ("docx, malformed XML", hostile.malformed_docx(folder / "bad.docx"), []),
            (
                "docx, largest accepted (1.44M tags)",
                _largest_word_document(folder / "large.docx", 240_000),
                [],
            ),
        ]
        field = folder / "field.csv"
        field.write_text('Para,Recommendation\n1.1,"' + "y" * 200_000 + '"\n')
        cases.append(("csv, a 200,000-character field", field, [table]))
        for label, path, extra in cases:
            mapping = extra[0] if extra else ""
            result, seconds, status = measure([str(path), mapping, ""])
            rss = result.get("rss_mb", float("nan"))
            worst = max(worst, rss if rss == rss else 0)
            outcome = result["outcome"] if status == 0 else f"EXIT {status}: {result['outcome']}"
            print(
                f"{label:<44} {path.stat().st_size / 1024:>7.0f} KB {rss:>6.0f} MB "
                f"{result.get('python_mb', float('nan')):>5.0f} MB {seconds:>5.1f}s  "
                f"{outcome[:150]}"
            )
        project, sheet, amina = _coding_sheet_with_far_cell(folder)
        result, seconds, status = measure([str(project), str(sheet), str(amina)], CODES_CHILD)
        rss = result.get("rss_mb", float("nan"))
        worst = max(worst, rss if rss == rss else 0)
        print(
            f"{'import-codes, coding sheet + XFD1048576':<44} "
            f"{sheet.stat().st_size / 1024:>7.0f} KB {rss:>6.0f} MB {'':>8} {seconds:>5.1f}s  "
            f"{result['outcome'][:150]}"
        )
    print(f"Worst peak: {worst:.0f} MB ({'within' if worst < BOUND_MB else 'OVER'} the bound)")
    return 0 if worst < BOUND_MB else 1


if __name__ == "__main__":
    sys.exit(main())
