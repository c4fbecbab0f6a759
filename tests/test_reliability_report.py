"""The reliability report on real project files, checked against reference packages.

The hand-made project: Amina and Ben both code recommendations 28.1 to 28.12 of the
sample (China 2018) on three fields; Amina alone codes 28.13; 28.14 is assigned to both
but only Amina has done it. So 13 recommendations are shared, 12 done by two.
"""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
import openpyxl
import pandas as pd
import pytest
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import select
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.cli.commands import irr as irr_command
from annotator.services import reliability_report as rr
from annotator.services.assignments import assign
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import FieldValue, form_spec, save_status, save_value
from annotator.store.models import Annotation, Code, Recommendation
from tests.roles import coordinator_id, lead
from tests.test_cli import annotator


@pytest.fixture
def sample_project(any_sample_project):
    """These tests run on a SQLite file and on a PostgreSQL server in turn."""
    return any_sample_project


THEMES = [
    ({"torture"}, {"torture"}),
    ({"torture", "detention"}, {"torture"}),
    ({"death_penalty"}, {"death_penalty"}),
    ({"justice"}, {"impunity"}),
    ({"womens_rights", "rights_of_the_child"}, {"womens_rights", "rights_of_the_child"}),
    (set(), {"labour"}),  # Amina marked it done with no theme
    ({"labour"}, {"labour"}),
    ({"right_to_education"}, {"right_to_health"}),
    ({"torture"}, {"torture"}),
    ({"detention"}, {"detention", "torture"}),
    (set(), set()),  # neither found a theme
    ({"right_to_health"}, {"right_to_health"}),
]
A, N, R, P = "accepted", "noted", "rejected", "partially_accepted"
RESPONSE_A = [A, A, N, A, R, A, N, A, A, P, N, A]
RESPONSE_B = [A, N, N, A, R, A, N, A, R, P, N, A]
ACTION_A = [5, 4, 3, 5, 2, 1, 4, 3, 5, 2, 1, 3]
ACTION_B = [5, 3, 3, 4, 2, 1, 5, 3, 5, 1, 1, 3]


def codes_of(spec, field: str, keys) -> FieldValue:
    found = spec.field_by_key(field)
    return FieldValue(frozenset(c.id for c in found.codes if c.key in set(keys)))


def build_two_coder_project(project) -> dict:
    """Code the hand-made project; returns ids by name and number."""
    with project.write() as s:
        spec = form_spec(s)
        by_number = dict(s.execute(select(Recommendation.number, Recommendation.id)).all())
        units = [by_number[f"28.{n}"] for n in range(1, 15)]
        amina = get_or_create_coder(s, "Amina").id
        ben = get_or_create_coder(s, "Ben").id
        cora = get_or_create_coder(s, "Cora", "adjudicator").id
        dan = get_or_create_coder(s, "Dan", "coordinator").id
        assign(s, amina, units, by_coder_id=dan)
        assign(s, ben, units[:12] + units[13:], by_coder_id=dan)
        fields = {key: spec.field_by_key(key).id for key in ("themes", "published_response")}
        fields["action"] = spec.field_by_key("action").id
        for n, rid in enumerate(units[:12]):
            for coder, themes, response, action in (
                (amina, THEMES[n][0], RESPONSE_A[n], ACTION_A[n]),
                (ben, THEMES[n][1], RESPONSE_B[n], ACTION_B[n]),
            ):
                save_value(s, rid, coder, fields["themes"], codes_of(spec, "themes", themes))
                save_value(
                    s,
                    rid,
                    coder,
                    fields["published_response"],
                    codes_of(spec, "published_response", [response]),
                )
                save_value(s, rid, coder, fields["action"], codes_of(spec, "action", [str(action)]))
                save_status(s, rid, coder, "done")
        for rid in units[12:]:
            save_value(s, rid, amina, fields["themes"], codes_of(spec, "themes", ["torture"]))
            save_status(s, rid, amina, "done")
    return {
        "units": units,
        "amina": amina,
        "ben": ben,
        "cora": cora,
        "dan": dan,
        "fields": fields,
    }


@pytest.fixture
def two_coders(sample_project) -> dict:
    return build_two_coder_project(sample_project)


def measured(project, **options) -> rr.Report:
    with project.session() as session:
        return rr.report(session, **options, by_coder_id=lead(session))


# ---------------------------------------------------------------------------- ratings


def test_the_ratings_of_a_hand_made_project(sample_project, two_coders):
    units = two_coders["units"]
    with sample_project.session() as session:
        themes = rr.ratings(session, "themes", by_coder_id=lead(session))
        responses = rr.ratings(session, "published_response", by_coder_id=lead(session))
        actions = rr.ratings(session, "action", by_coder_id=lead(session))

    expected = pd.DataFrame(
        [
            (units[n], coder, frozenset(THEMES[n][side]))
            for n in range(12)
            for side, coder in enumerate(("Amina", "Ben"))
        ],
        columns=["unit", "coder", "value"],
    ).sort_values(["unit", "coder"], kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(themes, expected, check_dtype=False)
    # 28.13 was coded by Amina alone and 28.14 by nobody else: neither can be compared.
    assert set(themes["unit"]) == set(units[:12])
    # Done with no theme is a rating, of the empty set; not a missing rating.
    assert themes.loc[(themes.unit == units[5]) & (themes.coder == "Amina"), "value"].item() == (
        frozenset()
    )
    by_unit = responses.set_index(["unit", "coder"])["value"]
    assert by_unit[(units[1], "Amina")] == "accepted"
    assert by_unit[(units[1], "Ben")] == "noted"
    assert len(responses) == 24
    assert sorted(actions.loc[actions.coder == "Ben", "value"].tolist()) == sorted(ACTION_B)
    assert all(isinstance(v, int) for v in actions["value"])


def test_ratings_of_chosen_coders_and_clear_mistakes(sample_project, two_coders):
    with sample_project.session() as session:
        only_amina = rr.ratings(session, "themes", coders=["amina"], by_coder_id=lead(session))
        both = rr.ratings(session, "themes", coders=["Amina", "Ben"], by_coder_id=lead(session))
        with pytest.raises(ValueError, match=r"no field 'theme'.*themes, published_response"):
            rr.ratings(session, "theme", by_coder_id=lead(session))
        with pytest.raises(ValueError, match=r"no coder named 'Zed'.*Amina, Ben, Cora, Dan"):
            rr.ratings(session, "themes", coders=["Amina", "Zed"], by_coder_id=lead(session))
    assert only_amina.empty  # one coder: nothing two coders rated
    assert len(both) == 24


def test_a_single_choice_with_two_codes_is_left_out_not_guessed(sample_project, two_coders):
    unit = two_coders["units"][0]
    field_id = two_coders["fields"]["published_response"]
    with sample_project.write() as session:
        spec = form_spec(session)
        one = codes_of(spec, "published_response", ["accepted"])
        save_value(session, unit, two_coders["ben"], field_id, one)
        # The coding service refuses a second code in a single-choice field; a merge of
        # packages from an older version could still leave one, as stored here.
        (noted,) = codes_of(spec, "published_response", ["noted"]).codes
        session.add(
            Annotation(
                recommendation_id=unit,
                coder_id=two_coders["ben"],
                field_id=field_id,
                code_id=noted,
                codebook_version=spec.version,
            )
        )
    with sample_project.session() as session:
        frame = rr.ratings(session, "published_response", by_coder_id=lead(session))
    assert unit not in set(frame["unit"])
    assert frame.attrs["unusable"] == 1


# ------------------------------------------------------------------ against references


def matrix(frame: pd.DataFrame, coders=("Amina", "Ben")) -> pd.DataFrame:
    return frame.pivot(index="coder", columns="unit", values="value").loc[list(coders)]


def test_single_choice_figures_agree_with_krippendorff_and_sklearn(sample_project, two_coders):
    result = measured(sample_project, fields=["published_response"], by_code=True)
    fr = result.field("published_response")
    keys = sorted(set(RESPONSE_A) | set(RESPONSE_B))
    numeric = [[keys.index(v) for v in RESPONSE_A], [keys.index(v) for v in RESPONSE_B]]
    alpha = krippendorff.alpha(reliability_data=numeric, level_of_measurement="nominal")
    assert fr.figure("alpha").value == pytest.approx(alpha)
    assert fr.figure("kappa").value == pytest.approx(cohen_kappa_score(RESPONSE_A, RESPONSE_B))
    assert fr.figure("percent").value == pytest.approx(10 / 12)
    assert fr.figure("alpha").n_pairable == 12
    assert fr.n_units == 12 and fr.coders == ("Amina", "Ben")
    assert fr.pairwise.values[0][1] == pytest.approx(fr.figure("kappa").value)
    assert fr.pairwise.shared[0][1] == 12
    assert math.isnan(fr.pairwise.values[0][0])
    # Each response read as chosen or not, against sklearn and krippendorff too.
    for code in fr.by_code:
        a = [int(v == code.code) for v in RESPONSE_A]
        b = [int(v == code.code) for v in RESPONSE_B]
        assert code.kappa == pytest.approx(cohen_kappa_score(a, b)), code.code
        expected = krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
        assert code.alpha == pytest.approx(expected), code.code
    alphas = [c.alpha for c in fr.by_code]
    assert alphas == sorted(alphas), "least reliable first"


def test_ordinal_figures_agree_with_krippendorff_and_sklearn(sample_project, two_coders):
    fr = measured(sample_project, fields=["action"]).field("action")
    alpha = krippendorff.alpha(
        reliability_data=[ACTION_A, ACTION_B],
        level_of_measurement="ordinal",
        value_domain=[1, 2, 3, 4, 5],
    )
    assert fr.figure("alpha").name == "Krippendorff's alpha (ordinal)"
    assert fr.figure("alpha").value == pytest.approx(alpha)
    weighted = cohen_kappa_score(ACTION_A, ACTION_B, weights="quadratic", labels=[1, 2, 3, 4, 5])
    assert fr.figure("kappa").name == "Cohen's weighted kappa (quadratic)"
    assert fr.figure("kappa").value == pytest.approx(weighted)
    assert {f.measure for f in fr.figures} == {"percent", "kappa", "ac2", "alpha"}


def test_multi_choice_figures_agree_with_krippendorff_and_nltk(sample_project, two_coders):
    fr = measured(sample_project, fields=["themes"], by_code=True).field("themes")
    data = [
        (coder, str(n), frozenset(THEMES[n][side]))
        for n in range(12)
        for side, coder in enumerate(("Amina", "Ben"))
    ]

    def masi(a, b):  # two empty sets are the same answer; nltk would divide by zero
        return 0.0 if not a and not b else masi_distance(a, b)

    assert fr.figure("alpha").name == "Krippendorff's alpha (MASI)"
    assert fr.figure("alpha").value == pytest.approx(AnnotationTask(data, distance=masi).alpha())
    assert fr.figure("percent").value == pytest.approx(7 / 12)

    ratings = [frozenset(s) for pair in THEMES for s in pair]
    for code in fr.by_code:
        a = [int(code.code in THEMES[n][0]) for n in range(12)]
        b = [int(code.code in THEMES[n][1]) for n in range(12)]
        expected = krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
        assert code.alpha == pytest.approx(expected), code.code
        assert code.kappa == pytest.approx(cohen_kappa_score(a, b)), code.code
        assert code.prevalence == pytest.approx(sum(code.code in r for r in ratings) / 24)
    by_key = {c.code: c for c in fr.by_code}
    assert by_key["torture"].label == "Torture and other CID treatment"
    assert by_key["death_penalty"].alpha == pytest.approx(1.0)
    assert by_key["justice"].alpha < by_key["torture"].alpha
    assert [c.alpha for c in fr.by_code] == sorted(c.alpha for c in fr.by_code)


def test_three_coders_get_fleiss_kappa_and_pairs(sample_project, two_coders):
    units = two_coders["units"][:12]
    third = RESPONSE_A[:6] + RESPONSE_B[6:]
    with sample_project.write() as session:
        spec = form_spec(session)
        chen = get_or_create_coder(session, "Chen").id
        for rid, response in zip(units, third, strict=True):
            value = codes_of(spec, "published_response", [response])
            save_value(session, rid, chen, two_coders["fields"]["published_response"], value)
    fr = measured(sample_project, fields=["published_response"]).field("published_response")
    table, _ = aggregate_raters(np.array([RESPONSE_A, RESPONSE_B, third]).T)
    assert fr.figure("fleiss").value == pytest.approx(sm_fleiss_kappa(table, method="fleiss"))
    assert fr.coders == ("Amina", "Ben", "Chen")
    assert fr.pairwise.coders == ("Amina", "Ben", "Chen")
    amina_chen = cohen_kappa_score(RESPONSE_A, third)
    assert fr.pairwise.values[0][2] == pytest.approx(amina_chen)
    assert fr.pairwise.values[2][0] == pytest.approx(amina_chen)
    with pytest.raises(ValueError, match="at least two coders"):
        measured(sample_project, coders=["Chen"])
    pi = measured(sample_project, fields=["published_response"], metrics=["pi"])
    assert "compares exactly two coders" in " ".join(pi.fields[0].notes)


def test_overlap_counts_readings_and_bootstrap(sample_project, two_coders):
    result = measured(sample_project, fields=["action"], bootstrap=200, seed=3)
    assert (result.overlap_units, result.overlap_done) == (13, 12)
    assert result.overlap_reading.startswith("13 recommendations are assigned to two or more")
    fr = result.field("action")
    alpha = fr.figure("alpha")
    assert alpha.ci is not None and alpha.ci[0] <= alpha.value <= alpha.ci[1]
    assert alpha.reading.startswith("Reliable (α = 0.928")
    assert "Based on 12 recommendations" in alpha.reading
    assert fr.figure("percent").reading.startswith("Amina and Ben gave the same value on 67 %")
    assert "Landis & Koch" in fr.figure("kappa").reading
    assert any("Only 12 recommendations compared" in note for note in fr.notes)
    again = measured(sample_project, fields=["action"], bootstrap=200, seed=3)
    assert again.field("action").figure("alpha").ci == alpha.ci  # seeded: repeatable


def test_measures_can_be_chosen_and_mistakes_are_named(sample_project, two_coders):
    result = measured(sample_project, fields=["themes", "action"], metrics=["alpha,jaccard"])
    assert [f.measure for f in result.field("themes").figures] == ["alpha", "jaccard"]
    assert [f.measure for f in result.field("action").figures] == ["alpha"]
    assert any("does not apply" in n for n in result.field("action").notes)
    with pytest.raises(ValueError, match=r"'kapa' is not a measure.*percent, unanimous"):
        measured(sample_project, metrics=["kapa"])
    empty = measured(sample_project, fields=["position"])
    assert not empty.comparable
    assert "nothing to compare yet" in empty.fields[0].notes[0]
    assert set(rr.MEASURE_KEYS) == set(irr_command.IRR_MEASURES)
    assert rr.FORMATS == irr_command.IRR_FORMATS


# ------------------------------------------------------------------------------ writers


def test_csv_json_and_workbook_never_write_formulas(sample_project, two_coders, tmp_path):
    with sample_project.write() as session:
        code = session.scalars(select(Code).where(Code.key == "torture")).one()
        code.label = '=HYPERLINK("http://x")'
    result = measured(sample_project, by_code=True, project_name="hand-made")

    text = rr.to_csv(result)
    assert "'=HYPERLINK" in text
    rows = rr.report_rows(result)
    assert rows[0]["section"] == "overlap"
    assert {r["section"] for r in rows} >= {"figure", "code alpha", "code kappa", "pair"}

    data = json.loads(rr.to_json(result))
    themes = next(f for f in data["fields"] if f["key"] == "themes")
    assert themes["figures"][1]["value"] == pytest.approx(
        result.field("themes").figure("alpha").value
    )
    position = next(f for f in data["fields"] if f["key"] == "position")
    assert position["n_units"] == 0 and position["figures"] == []

    path = tmp_path / "irr.xlsx"
    rr.write_xlsx(result, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "Figures", "By code", "Between coders", "Sample plan"]
    labels = [c for c in book["By code"].iter_rows(min_row=2, values_only=True)]
    formula = next(row for row in labels if row[1] == "torture")
    assert formula[2] == '=HYPERLINK("http://x")'
    cell = next(c for c in book["By code"]["C"] if c.value == formula[2])
    assert cell.data_type == "s"
    figures = list(book["Figures"].iter_rows(min_row=2, values_only=True))
    alpha_row = next(r for r in figures if r[0] == "Action category" and r[2].startswith("Kripp"))
    assert alpha_row[3] == pytest.approx(result.field("action").figure("alpha").value)


# ---------------------------------------------------------------------------- the CLI


def test_annotator_irr_table_json_and_workbook(sample_path, tmp_path):
    from annotator.store.project import open_project

    project = open_project(sample_path)
    build_two_coder_project(project)
    with project.session() as session:
        reference = rr.report(session, by_code=True, by_coder_id=lead(session))
    project.close()

    table = annotator(
        "irr", "--as", "Dan", "--db", str(sample_path), "--field", "published_response,action"
    )
    assert table.returncode == 0, table.stderr
    assert "13 recommendations are assigned to two or more coders; 12 of them" in table.stdout
    assert "Published response (single choice): 12 recommendations compared" in table.stdout
    kappa = cohen_kappa_score(RESPONSE_A, RESPONSE_B)
    assert f"Cohen's kappa                    {kappa:.3f}" in table.stdout
    assert "Themes" not in table.stdout

    out = annotator(
        "irr", "--as", "Dan", "--db", str(sample_path), "--by", "code", "--format", "json"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    fields = {f["key"]: f for f in data["fields"]}
    ordinal = fields["action"]["figures"]
    assert next(f for f in ordinal if f["measure"] == "alpha")["value"] == pytest.approx(
        krippendorff.alpha(
            reliability_data=[ACTION_A, ACTION_B],
            level_of_measurement="ordinal",
            value_domain=[1, 2, 3, 4, 5],
        )
    )
    codes = [c["code"] for c in fields["themes"]["by_code"]]
    assert codes == [c.code for c in reference.field("themes").by_code]

    workbook = tmp_path / "out" / "irr.xlsx"
    workbook.parent.mkdir()
    saved = annotator(
        "irr", "--as", "Dan", "--db", str(sample_path), "--by", "code", "--out", str(workbook)
    )
    assert saved.returncode == 0, saved.stderr
    sheet = openpyxl.load_workbook(workbook)["Figures"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    masi = next(r for r in rows if r[0] == "Themes" and "MASI" in r[2])
    assert masi[3] == pytest.approx(reference.field("themes").figure("alpha").value)

    csv_out = annotator(
        "irr", "--as", "Dan", "--db", str(sample_path), "--format", "csv", "--coders", "Ben,Amina"
    )
    assert csv_out.returncode == 0, csv_out.stderr
    assert csv_out.stdout.startswith("section,field,field label,measure")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--field", "thems"), "The codebook has no field 'thems'"),
        (("--coders", "Amina,Zed"), "There is no coder named 'Zed'"),
        (("--coders", "Amina,Cora"), "Fewer than two coders among Amina, Cora coded the same"),
        (("--metric", "kapa"), "'kapa' is not a measure"),
        (("--format", "xlsx"), "needs a file to go to"),
    ],
)
def test_annotator_irr_mistakes_are_clear(sample_path, args, message):
    from annotator.store.project import open_project

    project = open_project(sample_path)
    build_two_coder_project(project)
    project.close()
    result = annotator("irr", "--as", "Dan", "--db", str(sample_path), *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_annotator_irr_with_nobody_overlapping(sample_path):
    # A project made without a coordinator: Dan claims the role, then measures.
    claimed = annotator(
        "coder", "set-role", "Dan", "coordinator", "--as", "Dan", "--db", str(sample_path)
    )
    assert claimed.returncode == 0, claimed.stderr
    result = annotator("irr", "--as", "Dan", "--db", str(sample_path))
    assert result.returncode == 1
    assert "Fewer than two coders coded the same recommendations" in result.stderr
    assert "No recommendation is assigned to two or more coders yet" in result.stderr


@pytest.mark.parametrize("command", ["irr", "adjudicate"])
def test_the_new_subcommands_have_help_with_an_example(command):
    result = annotator(command, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout and "--db" in result.stdout


# ----------------------------------------------------------------------------- the GUI


def open_report_dialog(qtbot, project):
    from annotator.gui.reliability_view import ReliabilityReportDialog

    with project.session() as session:
        reader = lead(session)
    dialog = ReliabilityReportDialog(project, reader)
    qtbot.addWidget(dialog)
    dialog.show()
    # The figures arrive from the worker thread through the event loop.
    qtbot.waitUntil(lambda: dialog.worker is None and dialog.outcome is not None, timeout=20_000)
    return dialog


@pytest.fixture
def report_dialog(qtbot, sample_project, two_coders):
    return open_report_dialog(qtbot, sample_project)


def test_the_report_dialog_shows_figures_codes_chart_and_pairs(
    qtbot, report_dialog, tmp_path, sample_project
):
    dialog = report_dialog
    assert dialog.outcome is not None and dialog.outcome.comparable
    assert dialog.overlap_label.text().startswith("13 recommendations are assigned")
    assert dialog.field_combo.currentText().startswith("Themes (12 compared, α = ")
    figures = dialog.figures_table
    measures = [figures.item(r, 0).text() for r in range(figures.rowCount())]
    assert measures == ["Percent agreement (pairwise)", "Krippendorff's alpha (MASI)"]
    assert figures.item(1, 4).text().startswith("Unreliable (α = ")
    assert figures.isColumnHidden(2)  # no intervals asked for

    codes = dialog.codes_table
    first = codes.item(0, 0).text()
    least = dialog.outcome.field("themes").by_code[0]
    assert first == least.label
    categories = dialog.chart_categories()
    assert categories[0].startswith(least.label) and categories[0].endswith("(0.00)")
    assert len(categories) == len(dialog.outcome.field("themes").by_code)

    dialog.choose_field("published_response")
    assert (
        dialog.pairs_table.item(0, 1).text() == f"{cohen_kappa_score(RESPONSE_A, RESPONSE_B):.3f}"
    )
    assert "Cohen's kappa of each pair" in dialog.pairs_caption.text()

    for index, name in enumerate(("figures", "codes", "chart", "pairs")):
        dialog.tabs.setCurrentIndex(index)
        assert dialog.grab().save(str(tmp_path / f"report-{name}.png"))

    assert dialog.save_to(tmp_path / "report.xlsx")
    assert "Saved the report" in dialog.message.text()
    assert openpyxl.load_workbook(tmp_path / "report.xlsx")["Figures"].max_row > 5
    assert dialog.save_to(tmp_path / "report.csv")
    assert (tmp_path / "report.csv").read_text(encoding="utf-8").startswith("section,")
    assert not dialog.save_to(tmp_path / "missing" / "report.csv")
    assert dialog.message_is_error and "could not be saved" in dialog.message.text()


def test_the_report_dialog_with_intervals_and_one_pair(qtbot, report_dialog):
    dialog = report_dialog
    dialog.coders_combo.setCurrentIndex(dialog.coders_combo.findText("Amina and Ben"))
    dialog.intervals_check.setChecked(True)
    with qtbot.waitSignal(dialog.computed, timeout=60_000):
        dialog.measure_button.click()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=10_000)
    assert dialog.outcome.coders == ("Amina", "Ben")
    assert not dialog.figures_table.isColumnHidden(2)
    assert " to " in dialog.figures_table.item(1, 2).text()


def test_the_report_dialog_says_when_there_is_nothing_to_compare(qtbot, sample_project):
    coordinator_id(sample_project)
    dialog = open_report_dialog(qtbot, sample_project)
    assert dialog.message_is_error
    assert "Fewer than two coders" in dialog.message.text()
    assert not dialog.save_button.isEnabled()


def test_the_report_dialog_can_be_stopped(qtbot, report_dialog):
    dialog = report_dialog
    dialog.intervals_check.setChecked(True)
    dialog.start()
    assert dialog.stop_button.isVisible() or dialog.worker is not None
    dialog.stop()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30_000)
    assert dialog.message.text() == "Stopped before the figures were ready."
    assert dialog.measure_button.isEnabled()
