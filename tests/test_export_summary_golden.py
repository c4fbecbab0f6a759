"""Issue 14: the export's Summary stays cell-for-cell what it was before its aggregates
moved to SQL. The expected cells were written by the pandas Summary (commit c20f042) on
the same synthetic project; regenerate with
``python -m tests.test_export_summary_golden`` only for a deliberate change."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from annotator.services.adjudication import accept_agreements
from annotator.services.exporting import ExportOptions, export
from annotator.services.projects import init_project
from annotator.services.synthetic import SyntheticSpec, generate
from annotator.store.models import Coder
from tests.roles import coordinator_id

EXPECTED = Path(__file__).parent / "data" / "summary_golden.json"
MODES = ("consensus", "all-coders", "coder")


def _cell(value: object) -> object:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def summaries(folder: Path) -> dict[str, list[list[object]]]:
    """The Summary's cells in each mode, plus a blind coder's own export."""
    project = init_project(folder / "golden.upr")
    generate(project, SyntheticSpec(recommendations=3000, reviews=12, coders=3, seed=7))
    boss = coordinator_id(project)
    # Where every coder agrees the value becomes the consensus, so the consensus export
    # is checked on real decided values, not only on an empty consensus.
    with project.write() as session:
        assert accept_agreements(session, by_coder_id=boss) > 0
    with project.session() as session:
        coders = session.scalars(select(Coder).order_by(Coder.name)).all()
        first = next(c for c in coders if c.id != boss)
        name, first_id = first.name, first.id
    out: dict[str, list[list[object]]] = {}
    runs = [
        ("consensus", "consensus", boss),
        ("all-coders", "all-coders", boss),
        ("coder", f"coder:{name}", boss),
        ("blind coder", f"coder:{name}", first_id),
    ]
    for key, source, by in runs:
        path = folder / f"{key}.xlsx"
        export(project, path, ExportOptions(source=source), by_coder_id=by)
        ws = openpyxl.load_workbook(path, read_only=True)["Summary"]
        out[key] = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    project.close()
    return out


@pytest.mark.slow
def test_the_summary_is_cell_for_cell_what_the_pandas_summary_wrote(tmp_path):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(summaries(tmp_path)))
    assert set(got) == set(expected)
    for mode in expected:
        assert len(got[mode]) > 40, mode
        for n, (a, b) in enumerate(zip(got[mode], expected[mode], strict=False), 1):
            assert a == b, f"{mode}, Summary row {n}"
        assert len(got[mode]) == len(expected[mode]), mode


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        EXPECTED.write_text(
            json.dumps(summaries(Path(folder)), ensure_ascii=False, indent=0), encoding="utf-8"
        )
    print("wrote", EXPECTED)
