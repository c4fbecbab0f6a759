"""Planning the reliability sample: Krippendorff's sample-size rule, and the plan the
project's coding so far gives (service, report, command line)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import pytest

from annotator import sample_size as ss
from annotator.services import sample_plan as plans
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import CodingService, FieldValue
from annotator.services.reliability_report import report, to_table, write_xlsx
from tests.project_helpers import allow_incomplete_done
from tests.roles import lead
from tests.test_cli import annotator

# -------------------------------------------------------------------- the pure formula


def test_krippendorffs_published_figures():
    # Krippendorff's table (Content Analysis, 2004 §11.4.4; reproduced in the ATLAS.ti
    # manual, "Sample size and decision rules"): four equally likely values (p_c = .25)
    # need 139 double-coded units for alpha >= .800 at p = .05, and 81 for .667.
    assert ss.required_units(0.800, 0.25, 0.05) == 139
    assert ss.required_units(0.667, 0.25, 0.05) == 81


def test_a_rare_theme_needs_several_hundred():
    assert ss.required_units(0.800, 0.05) == 560
    assert ss.required_units(0.667, 0.05) == 330
    assert ss.required_units(0.800, 0.01) > 2_500


def test_the_formula_by_hand():
    # Bloch & Kraemer (1989) eq. 3.7 with the one-tailed z of p = .01.
    z = 2.3263478740
    by_hand = 2 * z**2 * ((1.8 * 2.2) / (4 * 0.2 * 0.1 * 0.9) - 0.8)
    assert ss.required_units(0.800, 0.10, 0.01) == math.ceil(by_hand)
    assert ss.z_value(0.05) == pytest.approx(1.644854, abs=1e-6)


def test_rarer_values_stricter_alphas_and_smaller_p_need_more():
    shares = [0.5, 0.3, 0.2, 0.1, 0.05, 0.02]
    needs = [ss.required_units(0.8, share) for share in shares]
    assert needs == sorted(needs) and len(set(needs)) == len(needs)
    assert ss.required_units(0.9, 0.2) > ss.required_units(0.8, 0.2) > ss.required_units(0.667, 0.2)
    assert ss.required_units(0.8, 0.2, 0.01) > ss.required_units(0.8, 0.2, 0.05)
    # Present in 10 % is absent in 90 %: the least frequent of the two is what counts.
    assert ss.required_units(0.8, 0.9) == ss.required_units(0.8, 0.1)


@pytest.mark.parametrize(
    ("alpha", "share", "p", "words"),
    [
        (0.8, 0.0, 0.05, "cannot be planned"),
        (0.8, 1.0, 0.05, "cannot be planned"),
        (1.0, 0.2, 0.05, "smallest acceptable alpha"),
        (0.8, 0.2, 0.7, "significance level"),
    ],
)
def test_values_that_cannot_be_planned_are_refused_plainly(alpha, share, p, words):
    with pytest.raises(ValueError, match=words):
        ss.required_units(alpha, share, p)


def test_least_frequent_ignores_values_nobody_used():
    assert ss.least_frequent({"a": 0.7, "b": 0.3, "c": 0.0}) == ("b", 0.3)
    assert ss.least_frequent({"a": 0.0}) is None


# ---------------------------------------------------------------------- the project's plan


def code_for(project, coders: Iterable[str], rids: range, themes_of) -> None:
    """Each coder codes each recommendation: ``themes_of(rid)`` theme keys, then done
    (the project allows incomplete work done: the figures rest on the themes alone)."""
    allow_incomplete_done(project)
    with project.write() as session:
        ids = {name: get_or_create_coder(session, name).id for name in coders}
    for coder_id in ids.values():
        service = CodingService(project, coder_id)
        field = service.form().field_by_key("themes")
        by_key = {c.key: c.id for c in field.codes}
        for rid in rids:
            keys = themes_of(rid)
            if keys:
                service.save(rid, field.id, FieldValue(frozenset(by_key[k] for k in keys)))
            service.set_status(rid, "done")


def themes_of(rid: int) -> list[str]:
    # Of 40 recommendations: torture on 2 (5 %), detention on 10 (25 %).
    keys = []
    if rid in (1, 2):
        keys.append("torture")
    if rid <= 10:
        keys.append("detention")
    return keys


@pytest.fixture
def coded(sample_project):
    code_for(sample_project, ["Amina", "Ben"], range(1, 41), themes_of)
    from tests.roles import coordinator_id

    coordinator_id(sample_project)  # who reads the report (coding nothing)
    return sample_project


def test_the_plan_uses_the_prevalence_seen_so_far(coded):
    with coded.session() as session:
        plan = plans.sample_plan(session, ["themes"])
    torture = next(r for r in plan.themes("themes") if r.code == "torture")
    detention = next(r for r in plan.themes("themes") if r.code == "detention")
    assert torture.share == pytest.approx(0.05) and torture.ratings == 80
    assert torture.needed == (560, 330)
    assert detention.needed == (139, 81)
    assert torture.have == detention.have == 40
    assert torture.enough() is False and detention.enough(0.667) is False
    assert "520 more needed" in torture.reading()
    field = plan.field("themes")
    assert field.rarest.startswith("Torture") and field.needs() == 560
    unused = next(r for r in plan.themes("themes") if r.code == "elections")
    assert unused.needs() is None and unused.enough() is None
    # Most needed first, themes nobody used last.
    order = [r.code for r in plan.themes("themes")]
    assert order.index("torture") < order.index("detention") < order.index("elections")


def test_enough_once_the_overlap_reaches_the_plan(sample_project):
    # Present in half the ratings: 103 for .800, 60 for .667.
    code_for(sample_project, ["Amina", "Ben"], range(1, 81), lambda r: ["torture"] * (r % 2))
    with sample_project.session() as session:
        row = plans.sample_plan(session, ["themes"]).field("themes")
    assert row.needed == (ss.required_units(0.8, 0.5), ss.required_units(0.667, 0.5))
    assert row.enough(0.667) and not row.enough(0.800)
    assert "enough for .667" in row.reading()


def test_a_single_choice_field_is_planned_by_its_rarest_value(sample_project):
    with sample_project.write() as session:
        ids = [get_or_create_coder(session, n).id for n in ("Amina", "Ben")]
    for coder_id in ids:
        service = CodingService(sample_project, coder_id)
        field = service.form().field_by_key("position")
        codes = {c.key: c.id for c in field.codes}
        for rid in range(1, 21):
            key = "noted" if rid <= 4 else "supported"  # noted in 20 %
            service.save(rid, field.id, FieldValue(frozenset({codes[key]})))
    with sample_project.session() as session:
        row = plans.sample_plan(session, ["position"]).field("position")
    assert row.rarest == "Noted" and row.share == pytest.approx(0.2)
    assert row.needed == (ss.required_units(0.8, 0.2), ss.required_units(0.667, 0.2))
    assert row.have == 20


def test_nothing_coded_yet_says_so(sample_project):
    with sample_project.session() as session:
        plan = plans.sample_plan(session)
    assert {r.field for r in plan.fields()} == {
        "themes",
        "published_response",
        "position",
        "assessment",
        "action",
    }
    assert all(r.needs() is None for r in plan.rows)
    assert "Nothing coded yet" in plan.field("themes").reading()


def test_the_reliability_report_states_whether_each_sample_met_its_plan(coded, tmp_path):
    with coded.session() as session:
        rep = report(session, fields=["themes"], by_coder_id=lead(session))
    assert "560 double-coded recommendations for α ≥ .800" in rep.plan_reading("themes")
    assert "Sample plan: 560 double-coded" in to_table(rep)
    out = tmp_path / "r.xlsx"
    write_xlsx(rep, out)
    from openpyxl import load_workbook

    sheet = load_workbook(out)["Sample plan"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:9] == (
        "Field",
        "Theme",
        "Rarest value",
        "Share",
        "Needed for α ≥ .800",
        "Needed for α ≥ .667",
        "Double-coded",
        "Met .800",
        "Met .667",
    )
    torture = next(r for r in rows if (r[1] or "").startswith("Torture"))
    assert torture[4:9] == (560, 330, 40, "no", "no")


def test_irr_plan_on_the_command_line(coded):
    coded.close()
    result = annotator("irr", "--plan", "--field", "themes", "--db", str(coded.path))
    assert result.returncode == 0, result.stderr
    assert "Themes: 560 double-coded recommendations for α ≥ .800 (330 for .667)" in result.stdout
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("Torture"))
    assert line.split()[-6:] == ["5", "%", "560", "330", "40", "no"]
    as_json = annotator("irr", "--plan", "--format", "json", "--db", str(coded.path))
    data = json.loads(as_json.stdout)
    torture = next(r for r in data["rows"] if r["code"] == "torture")
    assert torture["needed"] == [560, 330] and torture["have"] == 40


def test_irr_plan_works_before_anyone_double_coded(sample_path):
    result = annotator("irr", "--plan", "--db", str(sample_path))
    assert result.returncode == 0, result.stderr
    assert "Nothing coded yet" in result.stdout


# ------------------------------------------------------------------------------ on screen


def test_the_assign_dialog_shows_the_plan(qtbot, coded):
    from annotator.gui.assign_dialog import PLAN_COLUMNS, AssignDialog

    with coded.write() as session:
        cora = get_or_create_coder(session, "Cora", "coordinator").id
    dialog = AssignDialog(coded, cora)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.lower_tabs.setCurrentIndex(1)
    table = dialog.plan_table
    rows = {
        table.item(r, 0).text().strip(): [
            table.item(r, c).text() for c in range(table.columnCount())
        ]
        for r in range(table.rowCount())
    }
    assert table.columnCount() == len(PLAN_COLUMNS)
    assert rows["Themes"][2:] == ["560", "330", "40", "520 more"]
    torture = next(v for k, v in rows.items() if k.startswith("Torture"))
    assert torture[1:] == ["5 %", "560", "330", "40", "520 more"]
    assert rows["Detention"][1:] == ["25 %", "139", "81", "40", "99 more"]
    assert "Not enough yet for Themes" in dialog.plan_label.text()
    dialog.sample_radio.setChecked(True)
    assert "asks for 560 double-coded (Themes); 40 now" in dialog.sample_plan_label.text()


def test_the_reliability_window_says_whether_the_sample_met_its_plan(qtbot, coded):
    from tests.test_reliability_report import open_report_dialog

    dialog = open_report_dialog(qtbot, coded)
    dialog.choose_field("themes")
    assert dialog.plan_label.isVisible()
    assert dialog.plan_label.text().startswith("Sample plan: 560 double-coded")
    assert "520 more needed" in dialog.plan_label.text()


def test_the_databases_counts_match_the_reliability_reports_ratings(empty_project):
    """The plan counts in SQL what the report reads rating by rating (coder_values)."""
    from annotator.services.coding import form_spec
    from annotator.services.reliability_report import coder_values, shared_units
    from annotator.services.synthetic import SyntheticSpec, generate

    generate(empty_project, SyntheticSpec(recommendations=300, coders=3, coded_share=0.5, seed=2))
    with empty_project.session() as session:
        plan = plans.sample_plan(session)
        spec = form_spec(session)
        for fspec in (f for f in spec.fields if f.kind in plans.PLANNED_KINDS):
            values = coder_values(session, fspec)
            ratings = [v for by_coder in values.values() for v in by_coder.values()]
            row = plan.field(fspec.key)
            assert row.have == len(shared_units(values)) > 0, fspec.key
            if fspec.kind == "multi":
                for theme in plan.themes(fspec.key):
                    code = next(c.id for c in fspec.codes if c.key == theme.code)
                    expected = sum(code in v.codes for v in ratings) / len(ratings)
                    assert theme.share == pytest.approx(expected), theme.code
            elif fspec.kind in ("single", "ordinal"):
                single = [next(iter(v.codes)) for v in ratings if len(v.codes) == 1]
                assert row.ratings == len(single)
                counts = {c: single.count(c) for c in set(single)}
                assert row.share == pytest.approx(min(counts.values()) / len(single))
