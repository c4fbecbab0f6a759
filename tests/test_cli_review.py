"""`annotator review` and `annotator import --review` with a report symbol."""

from __future__ import annotations

from tests.test_cli import annotator

REPORT = (
    "121.1 Ratify the Optional Protocol to the Convention against Torture (Denmark);\n"
    "121.2 Abolish the death penalty in all circumstances (France) (Portugal, Spain);\n"
)


def test_a_working_group_report_imported_under_its_symbol_gets_the_calendars_facts(tmp_path):
    db = tmp_path / "p.upr"
    assert annotator("init", "--db", str(db)).returncode == 0
    report = tmp_path / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    alone = annotator("import", "--db", str(db), "--format", "wg-report",
                      "--review", "A/HRC/43/15", str(report))  # fmt: skip
    assert alone.returncode == 1
    assert "--review Slovenia:A/HRC/43/15" in alone.stdout + alone.stderr
    result = annotator("import", "--db", str(db), "--format", "wg-report",
                       "--review", "Slovenia:A/HRC/43/15", str(report))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    listed = annotator("review", "list", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == (
        "Slovenia:3  2019, session 34, 4 to 15 November 2019; report A/HRC/43/15, "
        "addendum (not set); 2 recommendations"
    )
    # and later, the report symbol alone finds the review for any format
    again = annotator("import", "--db", str(db), "--format", "wg-report",
                      "--review", "A/HRC/43/15", str(report))  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing new to import" in again.stdout


def test_review_set_fills_and_refuses_clearly(tmp_path):
    db = tmp_path / "p.upr"
    assert annotator("init", "--db", str(db)).returncode == 0
    report = tmp_path / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    imported = annotator("import", "--db", str(db), "--format", "wg-report",
                         "--review", "China:4", str(report))  # fmt: skip
    assert imported.returncode == 0, imported.stdout + imported.stderr
    before = annotator("review", "list", "--db", str(db)).stdout
    assert "China:4  year unknown, session unknown; report (not set)" in before
    done = annotator("review", "set", "China:4", "--db", str(db), "--symbol", "A/HRC/56/6",
                     "--session", "45", "--addendum", "A/HRC/56/6/Add.1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "China:4  2024, session 45, 22 January to 2 February 2024; report A/HRC/56/6, "
        "addendum A/HRC/56/6/Add.1; 2 recommendations"
    )
    wrong = annotator("review", "set", "China:4", "--db", str(db), "--session", "31")
    assert wrong.returncode == 1
    assert "session 31 belongs to cycle 3" in wrong.stderr
    unknown = annotator("review", "set", "China:4", "--db", str(db), "--session", "52",
                        "--year", "2026")  # fmt: skip
    assert unknown.returncode == 0, unknown.stderr
    assert "session 52 is not in the UPR calendar" in unknown.stderr
    assert "China:4  2026, session 52 (not in the UPR calendar)" in unknown.stdout
    odd = annotator("review", "set", "China:4", "--db", str(db), "--addendum", "A/HRC/56/6")
    assert odd.returncode == 1
    assert "'A/HRC/56/6' is not an addendum's symbol" in odd.stderr
    missing = annotator("review", "set", "Chile:4", "--db", str(db), "--session", "46")
    assert missing.returncode == 1
    assert "no review 'Chile:4'" in missing.stderr
