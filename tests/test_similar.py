"""Similar recommendations across China's reviews, on the real documents.

China cycle 2 (2013) comes from UPR Info's export (session 17), cycle 3 (2018) from
OHCHR's matrix. The pairs below were read by hand: each 2018 recommendation re-makes
the 2013 one it is linked to (28.17 even says "as previously recommended").
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTextBrowser
from sqlalchemy import select

from annotator.gui.analysis_view import AnalysisDialog
from annotator.gui.reading_pane import render_recommendation
from annotator.services.analysis_data import find_review
from annotator.services.coding import form_spec
from annotator.services.importing import ImportOptions, import_files
from annotator.services.recommendations import recommendation_detail
from annotator.services.similar import (
    DEFAULT_THRESHOLD,
    changed_between,
    similar_recommendations,
)
from annotator.store.models import Recommendation
from tests.roles import coordinator_id

DATA = Path(__file__).parent / "data"
TIBET_2013 = "Resume the two-way dialogue in Tibet"
ROME_2013 = "Explore options to accede to the Rome Statute of the ICC"
INTERNET_2013 = "Undertake measures enabling unrestricted use of Internet to all members"


@pytest.fixture
def china(empty_project, tmp_path):
    with gzip.open(DATA / "uprinfo_export_sessions01-20.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    wanted = [r for r in body if r[0] == "China" and r[header.index("Session")] == "17"]
    out = io.StringIO()
    csv.writer(out).writerows([header, *wanted])
    path = tmp_path / "uprinfo_china_17.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert import_files(empty_project, [path], ImportOptions("uprinfo")).count("new") == 284
    assert import_files(empty_project, [DATA / "china_cycle3_2018_matrix.csv"]).count("new") == 346
    return empty_project


def _rec_id(session, number: str) -> int:
    found = session.scalar(select(Recommendation.id).where(Recommendation.number == number))
    assert found is not None, number
    return found


@pytest.mark.parametrize(
    ("number", "earlier"),
    [("28.318", TIBET_2013), ("28.17", ROME_2013), ("28.204", INTERNET_2013)],
)
def test_a_recommendation_made_again_links_to_the_earlier_one(china, number, earlier):
    with china.session() as session:
        found = similar_recommendations(session, _rec_id(session, number))
    assert found[0].text.startswith(earlier)
    assert found[0].review == "China, cycle 2 (2013)"
    assert found[0].score >= 0.5
    # An unrelated 2013 recommendation is not among the links.
    others = (t for t in (TIBET_2013, ROME_2013, INTERNET_2013) if t != earlier)
    assert not any(f.text.startswith(o) for f in found for o in others)


def test_a_new_recommendation_has_no_close_match(china):
    """28.45, on the Belt and Road Initiative (launched after the 2013 review), re-makes
    nothing: whatever 2013 recommendation comes closest stays under the threshold."""
    with china.session() as session:
        found = similar_recommendations(session, _rec_id(session, "28.45"))
    assert all(f.score < DEFAULT_THRESHOLD for f in found)


def test_the_earliest_review_has_no_earlier_links_unless_other_states_are_asked(china):
    with china.session() as session:
        rid = session.scalar(
            select(Recommendation.id).where(Recommendation.text.startswith(TIBET_2013))
        )
        assert rid is not None
        assert similar_recommendations(session, rid) == []
        wider = similar_recommendations(session, rid, other_states=True)
    # Only China is in the project, so "other states" adds nothing across states; the
    # later China review is not earlier and stays out.
    assert wider == []


def test_changed_responses_name_the_pair_and_the_threshold(china):
    report = changed_between(china, "China:2", "China:3")
    assert report.threshold == 0.5
    rome = [p for p in report.pairs if p.earlier.text.startswith(ROME_2013)]
    assert len(rome) == 1
    assert rome[0].later.number == "28.17"
    assert rome[0].sentence() == "accepted in 2013, noted in 2018"
    tibet = next(p for p in report.pairs if p.later.number == "28.318")
    assert tibet.sentence() == "noted in 2013, accepted in 2018"
    assert tibet.score > 0.9
    # The order the reviews are named in does not matter; a stricter threshold keeps fewer.
    assert changed_between(china, "China:3", "China:2").pairs == report.pairs
    strict = changed_between(china, "China:2", "China:3", threshold=0.92)
    assert [p.later.number for p in strict.pairs] == ["28.318"]


def test_stats_changed_on_the_command_line(china):
    from tests.cli_runner import run_annotator as annotator

    result = annotator("stats", "--db", str(china.path), "--changed", "China:2", "China:3")
    assert result.returncode == 0, result.stderr
    assert "Similarity threshold 0.5:" in result.stdout
    assert "accepted in 2013, noted in 2018 (similarity 0.82)" in result.stdout
    assert ROME_2013 in result.stdout
    assert "28.17: As previously recommended, explore options" in result.stdout
    bad = annotator("stats", "--db", str(china.path), "--changed", "China:2", "China:3",
                    "--threshold", "2")  # fmt: skip
    assert bad.returncode != 0
    assert "The threshold must be above 0 and at most 1, not 2.0." in bad.stderr
    missing = annotator("stats", "--db", str(china.path), "--changed", "China:1", "China:3")
    assert "There is no review 'China:1' in this project." in missing.stderr


def test_the_reading_pane_shows_the_earlier_recommendation_and_its_response(qtbot, china):
    with china.session() as session:
        rid = _rec_id(session, "28.17")
        similar = similar_recommendations(session, rid)
        detail = recommendation_detail(session, rid)
        spec = form_spec(session)
    html = render_recommendation(detail, spec, similar=similar)
    reader = QTextBrowser()
    qtbot.addWidget(reader)
    reader.resize(640, 760)
    reader.setHtml(html)
    assert reader.grab().save("/tmp/i16similar_reading.png")
    assert "Similar recommendations of earlier reviews" in html
    assert ROME_2013 in html
    assert "China, cycle 2 (2013)" in html
    assert "similarity 0.82" in html


def test_the_analysis_page_lists_the_changed_responses(qtbot, china, tmp_path):
    dialog = AnalysisDialog(china, coordinator_id(china))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.is_ready, timeout=30_000)
    with china.session() as session:
        later, earlier = find_review(session, "China:3"), find_review(session, "China:2")
    dialog.review_box.setCurrentIndex(dialog.review_box.findData(later))
    dialog.compare_box.setCurrentIndex(dialog.compare_box.findData(earlier))
    page = dialog.changed_page
    assert "Similarity threshold 0.5:" in page.label.text()
    model = page.model
    rows = [
        [model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole) for c in range(5)]
        for r in range(model.rowCount())
    ]
    assert ["accepted in 2013, noted in 2018", "0.82", "28.17"] in [r[:3] for r in rows]
    page.threshold.setValue(0.95)
    assert model.rowCount() == 0
    page.threshold.setValue(0.5)
    dialog.tabs.setCurrentWidget(page)
    assert dialog.grab().save(str(tmp_path / "changed.png"))
    dialog.grab().save("/tmp/i16similar_changed.png")


def test_the_coding_window_shows_the_similar_recommendations(qtbot, china, gui_settings):
    from annotator.gui.main_window import MainWindow
    from tests.roles import COORDINATOR

    coordinator_id(china)
    win = MainWindow(china, COORDINATOR, gui_settings)
    qtbot.addWidget(win)
    win.show()
    with china.session() as session:
        rid = _rec_id(session, "28.17")
    win.show_recommendation(rid)
    assert ROME_2013 in win.reader.toPlainText()
    assert "then: Accepted · similarity 0.82" in win.reader.toPlainText()
    # Only China is in the project: asking for other states too changes nothing here.
    win.similar_action.setChecked(True)
    assert ROME_2013 in win.reader.toPlainText()
    win.resize(1600, 900)
    QApplication.processEvents()
    win.grab().save("/tmp/i16similar_window.png")
    assert win.service is not None
    assert win.service.flush(5)
    QApplication.processEvents()
