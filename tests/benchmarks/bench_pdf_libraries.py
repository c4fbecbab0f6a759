"""How well each PDF library reads the UN's documents: the measure behind pdfplumber.

    python tests/benchmarks/bench_pdf_libraries.py

For each of Slovenia's six PDFs (tests/data/un_documents/) and each library that is
installed (pdfplumber, pypdf, pypdf in layout mode, pdfminer.six, pypdfium2), the text
of every page goes through the same readers the import uses (as text, pages separated
by form feeds), and is scored on what the readers need:

* words: the share of the shipped text's words found in order (difflib on word lists;
  the shipped .txt was made by a layout-keeping extractor, so this favours those);
* report: recommendations read / expected (97, 163, 215), errors, and recommendations
  whose text differs from the OHCHR matrix (cycles 2 and 3; spaces ignored);
* addendum: responses read / expected (97, 163, 157) and errors;
* seconds to extract.

PyMuPDF is not measured: its AGPL licence rules it out for this MIT project.
"""

from __future__ import annotations

import csv
import difflib
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
DOCS = DATA / "un_documents"
EXPECTED = {
    "cycle1_A_HRC_14_15_working_group_report": 97,
    "cycle2_A_HRC_28_15_working_group_report": 163,
    "cycle3_A_HRC_43_15_working_group_report": 215,
    "cycle1_A_HRC_14_15_Add1_views_of_the_state": 97,
    "cycle2_A_HRC_28_15_Add1_views_of_the_state": 163,
    "cycle3_A_HRC_43_15_Add1_views_of_the_state": 157,
}
MATRICES = {
    "cycle2": "slovenia_cycle2_2014_matrix.csv",
    "cycle3": "slovenia_cycle3_2019_matrix.csv",
}


def _pdfplumber(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _pypdf(path: Path, layout: bool = False) -> list[str]:
    import pypdf

    reader = pypdf.PdfReader(str(path))
    mode = "layout" if layout else "plain"
    return [page.extract_text(extraction_mode=mode) for page in reader.pages]


def _pdfminer(path: Path) -> list[str]:
    from pdfminer.high_level import extract_text

    return extract_text(str(path)).split("\f")


def _pdfium(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


LIBRARIES: dict[str, Callable[[Path], list[str]]] = {
    "pdfplumber": _pdfplumber,
    "pypdf": _pypdf,
    "pypdf (layout)": lambda p: _pypdf(p, layout=True),
    "pdfminer.six": _pdfminer,
    "pypdfium2": _pdfium,
}


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+|\d+(?:\.\d+)*", text)


def _squeezed(text: str) -> str:
    return "".join(re.sub(r"[“”\"'’‘]", "'", text).split())


def main() -> int:
    from annotator.importers import responses, wg_report
    from annotator.importers.files import SourceFileError
    from annotator.importers.records import ReviewRecord

    matrices = {}
    for cycle, name in MATRICES.items():
        with (DATA / name).open(encoding="utf-8") as handle:
            matrices[cycle] = {r["number"]: r["recommendation"] for r in csv.DictReader(handle)}
    print(
        f"{'library':16} {'document':44} {'words':>6} {'read':>9} {'errors':>6} "
        f"{'differ':>6} {'seconds':>7}"
    )
    for library, extract in LIBRARIES.items():
        try:
            extract(DOCS / f"{next(iter(EXPECTED))}.pdf")
        except ImportError:
            print(f"{library:16} (not installed)")
            continue
        for stem, expected in EXPECTED.items():
            start = time.perf_counter()
            pages = extract(DOCS / f"{stem}.pdf")
            seconds = time.perf_counter() - start
            text = "\f".join(pages)
            reference = _words((DOCS / f"{stem}.txt").read_text(encoding="utf-8"))
            ratio = difflib.SequenceMatcher(None, reference, _words(text), autojunk=False).ratio()
            cycle = stem.split("_")[0]
            differ = ""
            try:
                if "working_group" in stem:
                    batch = wg_report.read_text_input(
                        text, review=ReviewRecord("SVN", int(cycle[-1])), name=stem
                    )
                    read = len(batch.recommendations)
                    if cycle in matrices:
                        matrix = matrices[cycle]
                        differ = str(
                            sum(
                                _squeezed(r.text) != _squeezed(matrix.get(r.number or "", ""))
                                for r in batch.recommendations
                            )
                        )
                else:
                    batch = responses.read_text_input(text, name=stem)
                    read = len(batch.responses)
                errors = len(batch.errors)
            except SourceFileError as error:
                read, errors, differ = 0, 1, str(error)[:20]
            print(
                f"{library:16} {stem:44} {ratio:6.3f} {read:>4}/{expected:<4} {errors:>6} "
                f"{differ:>6} {seconds:7.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
