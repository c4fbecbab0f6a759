"""Alpha on a coder pair sharing one recommendation reads "too few to measure", with the
count, in the report, its CSV and workbook, and the command line; the number stays."""

from __future__ import annotations

import math

import openpyxl
from sqlalchemy import select

from annotator import reliability as rel
from annotator.services import reliability_report as rr
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import form_spec, save_status, save_value
from annotator.store.models import Recommendation
from tests.roles import lead
from tests.test_reliability_report import codes_of


def one_shared(project) -> None:
    with project.write() as s:
        spec = form_spec(s)
        rid = s.scalar(select(Recommendation.id).where(Recommendation.number == "28.1"))
        themes = spec.field_by_key("themes").id
        for name, keys in (("Amina", ["torture"]), ("Ben", ["labour"])):
            coder = get_or_create_coder(s, name).id
            save_value(s, rid, coder, themes, codes_of(spec, "themes", keys))
            save_status(s, rid, coder, "done")
        get_or_create_coder(s, "Dan", "coordinator")


def test_alpha_on_one_shared_recommendation_is_too_few_to_measure(sample_project, tmp_path):
    assert rel.MIN_UNITS_FOR_ALPHA == 10
    one_shared(sample_project)
    with sample_project.session() as session:
        report = rr.report(session, fields=["themes"], by_coder_id=lead(session))
    alpha = report.field("themes").figure("alpha")
    assert alpha.n_pairable == 1
    assert not math.isnan(alpha.value)  # the number is still there
    assert alpha.reading.startswith("Too few to measure (1 recommendation")
    assert "nreliable" not in alpha.reading
    rows = [r for r in rr.report_rows(report) if r["section"] == "pair"]
    assert rows and all("Too few to measure" in r["reading"] for r in rows)

    out = tmp_path / "irr.xlsx"
    rr.write_report(report, "xlsx", out, project_path=sample_project.path)
    book = openpyxl.load_workbook(out, read_only=True)
    texts = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert any(t.startswith("Too few to measure (1 recommendation") for t in texts)
    assert "too few to measure (1)" in texts
    assert not any("nreliable" in t for t in texts)
