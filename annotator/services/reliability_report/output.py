"""The report written out: as rows, CSV, JSON, a text table or a workbook."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.store.safe_write import check_target, scratch_folder, written_whole
from annotator.workbooks import Book, Rows, csv_safe

if TYPE_CHECKING:
    pass
from annotator import reliability as rel
from annotator.services.reliability_report.measures import MEASURES, count_of, interpret
from annotator.services.reliability_report.report import Report

# ---------------------------------------------------------------------------- writing

ROW_COLUMNS = (
    "section",
    "field",
    "field label",
    "measure",
    "code",
    "code label",
    "coder",
    "other coder",
    "value",
    "ci low",
    "ci high",
    "recommendations compared",
    "prevalence",
    "reading",
)


def _number(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def report_rows(rep: Report) -> list[dict[str, Any]]:
    """The report as flat records (ROW_COLUMNS), for CSV and for any other table."""
    rows: list[dict[str, Any]] = []

    def add(**values: Any) -> None:
        rows.append({column: values.get(column.replace(" ", "_")) for column in ROW_COLUMNS})

    add(
        section="overlap",
        value=rep.overlap_units,
        recommendations_compared=rep.overlap_done,
        reading=rep.overlap_reading,
    )
    add(section="suggestions", value=rep.left_out, reading=rep.suggestions_reading)
    for fr in rep.fields:
        common = {"field": fr.key, "field_label": fr.label}
        for note in fr.notes:
            add(section="note", **common, reading=note)
        if rep.plan is not None:
            for row in (r for r in rep.plan.rows if r.field == fr.key):
                add(
                    section="sample plan",
                    **common,
                    measure="double-coded recommendations needed for alpha >= .800 at p = .05",
                    code=row.code,
                    code_label=row.code_label,
                    value=row.needs(),
                    recommendations_compared=row.have,
                    prevalence=row.share,
                    reading=row.reading(rep.plan.recommendations),
                )
        for fig in fr.figures:
            add(
                section="figure",
                **common,
                measure=fig.name,
                value=_number(fig.value),
                ci_low=_number(fig.ci[0]) if fig.ci else None,
                ci_high=_number(fig.ci[1]) if fig.ci else None,
                recommendations_compared=fig.n_pairable,
                reading=fig.reading,
            )
        for code in fr.by_code:
            add(
                section="code alpha",
                **common,
                measure="Krippendorff's alpha (nominal, present or absent)",
                code=code.code,
                code_label=code.label,
                value=_number(code.alpha),
                recommendations_compared=code.n_pairable,
                prevalence=code.prevalence,
                reading=code.reading,
            )
            add(
                section="code kappa",
                **common,
                measure=code.kappa_name,
                code=code.code,
                code_label=code.label,
                value=_number(code.kappa),
                recommendations_compared=code.n_pairable,
                prevalence=code.prevalence,
                reading=interpret(code.kappa, "kappa"),
            )
        if fr.pairwise is not None:
            pw = fr.pairwise
            for i, first in enumerate(pw.coders):
                for j, second in enumerate(pw.coders):
                    if i < j:
                        add(
                            section="pair",
                            **common,
                            measure=_measure_label(pw.measure, fr.kind),
                            coder=first,
                            other_coder=second,
                            value=_number(pw.values[i][j]),
                            recommendations_compared=pw.shared[i][j],
                            reading=interpret(pw.values[i][j], pw.measure, pw.shared[i][j]),
                        )
    return rows


def _measure_label(key: str, kind: str) -> str:
    if key == "alpha" and kind == "multi":
        return "Krippendorff's alpha (MASI)"
    if key == "kappa" and kind == "ordinal":
        return "Cohen's weighted kappa (quadratic)"
    return next(m.label for m in MEASURES if m.key == key)


def to_csv(rep: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ROW_COLUMNS)
    for row in report_rows(rep):
        writer.writerow(["" if row[c] is None else csv_safe(row[c]) for c in ROW_COLUMNS])
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def report_dict(rep: Report) -> dict[str, Any]:
    """The report as plain data (NaN as null), for JSON."""
    data = _plain(asdict(rep))
    data["overlap_reading"] = rep.overlap_reading
    data["suggestions_reading"] = rep.suggestions_reading
    for fr, out in zip(rep.fields, data["fields"], strict=True):
        out["kind_label"] = fr.kind_label
        out["plan_reading"] = rep.plan_reading(fr.key)
    if rep.plan is not None:
        for row, out in zip(rep.plan.rows, data["plan"]["rows"], strict=True):
            out["reading"] = row.reading(rep.plan.recommendations)
    return data


def to_json(rep: Report) -> str:
    return json.dumps(report_dict(rep), ensure_ascii=False, indent=2, allow_nan=False)


def _fmt(value: float | None, measure: str = "") -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.3f}"


def to_table(rep: Report) -> str:
    """The report as text for a terminal."""
    lines = [f"Inter-coder reliability{' of ' + rep.project if rep.project else ''}"]
    if rep.coders:
        lines.append(f"Coders compared: {', '.join(rep.coders)}")
    lines.append(rep.overlap_reading)
    lines.append(rep.suggestions_reading)
    for fr in rep.fields:
        lines.append("")
        title = f"{fr.label} ({fr.kind_label}): {count_of(fr.n_units, 'recommendation')} compared"
        if fr.coders:
            title += f", coders {', '.join(fr.coders)}"
        lines.append(title)
        lines.extend(f"  Note: {note}" for note in fr.notes)
        planned = rep.plan_reading(fr.key)
        if planned:
            lines.append(f"  Sample plan: {planned}")
        if fr.figures:
            width = max(len(f.name) for f in fr.figures)
            ci = any(f.ci for f in fr.figures)
            head = f"  {'Measure':<{width}}  {'Value':>6}"
            if ci:
                head += f"  {'95 % interval':<15}"
            lines.append(head + f"  {'Compared':>8}  Reading")
            for fig in fr.figures:
                line = f"  {fig.name:<{width}}  {_fmt(fig.value):>6}"
                if ci:
                    interval = f"{_fmt(fig.ci[0])} to {_fmt(fig.ci[1])}" if fig.ci else ""
                    line += f"  {interval:<15}"
                lines.append(line + f"  {fig.n_pairable:>8}  {fig.reading}")
        if fr.by_code:
            lines.append("  By code, least reliable first:")
            width = min(40, max(len(c.label) for c in fr.by_code))
            lines.append(
                f"    {'Code':<{width}}  {'Alpha':>6}  {'Kappa':>6}  {'Share':>6}  Reading"
            )
            for code in fr.by_code:
                lines.append(
                    f"    {code.label[:width]:<{width}}  {_fmt(code.alpha):>6}  "
                    f"{_fmt(code.kappa):>6}  {code.prevalence:>6.1%}  {code.reading}"
                )
        if fr.pairwise is not None and len(fr.pairwise.coders) > 1:
            pw = fr.pairwise
            lines.append(f"  Between coders ({_measure_label(pw.measure, fr.kind)}):")
            width = max(len(c) for c in pw.coders)
            lines.append(
                "    " + " " * width + "".join(f"  {c:>{max(6, len(c))}}" for c in pw.coders)
            )
            for i, first in enumerate(pw.coders):
                cells = "".join(
                    f"  {_fmt(pw.values[i][j]) if i != j else '':>{max(6, len(c))}}"
                    for j, c in enumerate(pw.coders)
                )
                lines.append(f"    {first:<{width}}{cells}")
    return "\n".join(lines) + "\n"


def write_xlsx(rep: Report, path: Path) -> None:
    """A workbook: an About sheet, the figures, the codes, the pairs of coders.

    Every text cell is stored as text, so a label starting with "=" is never a formula.
    """
    with Book(path, scratch_dir=scratch_folder()) as book:
        _write_sheets(rep, book)


def _write_sheets(rep: Report, book: Book) -> None:
    def put(sheet: Rows, row: int, column: int, value: Any, *, header: bool = False) -> None:
        sheet.write(row, column, value, bold=header)

    def table(
        sheet: Rows,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        widths: Sequence[int],
    ) -> None:
        for column, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
            put(sheet, 1, column, text, header=True)
            sheet.width(column, width)
        for r, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                put(sheet, r, column, value)
        sheet.ws.freeze_panes(1, 0)

    about = book.rows("About")
    facts = [
        ("Project", rep.project),
        ("Made", rep.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Coders compared", ", ".join(rep.coders) if rep.coders else "all coders"),
        ("Overlap", rep.overlap_reading),
        ("Theme suggestions", rep.suggestions_reading),
        ("Recommendations assigned to two or more coders", rep.overlap_units),
        ("Of them done by two or more", rep.overlap_done),
        ("Bootstrap draws for the intervals", rep.bootstrap or "none"),
    ]
    table(about, ("About this report", ""), facts, (44, 100))
    notes = [(fr.label, note) for fr in rep.fields for note in fr.notes]
    for r, (label, note) in enumerate(notes, start=len(facts) + 3):
        put(about, r, 1, label)
        put(about, r, 2, note)

    figures = book.rows("Figures")
    table(
        figures,
        (
            "Field",
            "Kind",
            "Measure",
            "Value",
            "95 % low",
            "95 % high",
            "Compared",
            "Coders",
            "Reading",
        ),
        [
            (
                fr.label,
                fr.kind_label,
                fig.name,
                _number(fig.value),
                fig.ci[0] if fig.ci else None,
                fig.ci[1] if fig.ci else None,
                fig.n_pairable,
                fig.n_coders,
                fig.reading,
            )
            for fr in rep.fields
            for fig in fr.figures
        ],
        (24, 14, 34, 9, 9, 9, 10, 8, 90),
    )
    if any(fr.by_code for fr in rep.fields):
        codes = book.rows("By code")
        table(
            codes,
            (
                "Field",
                "Code",
                "Label",
                "Alpha",
                "Kappa",
                "Prevalence",
                "Chosen",
                "Compared",
                "Reading",
            ),
            [
                (
                    fr.label,
                    c.code,
                    c.label,
                    _number(c.alpha),
                    _number(c.kappa),
                    c.prevalence,
                    c.n_present,
                    c.n_pairable,
                    c.reading,
                )
                for fr in rep.fields
                for c in fr.by_code
            ],
            (24, 24, 36, 9, 9, 11, 9, 10, 80),
        )
    pairs = book.rows("Between coders")
    row = 1
    for fr in rep.fields:
        pw = fr.pairwise
        if pw is None:
            continue
        put(pairs, row, 1, f"{fr.label}: {_measure_label(pw.measure, fr.kind)}", header=True)
        for j, coder in enumerate(pw.coders, start=2):
            put(pairs, row + 1, j, coder, header=True)
        for i, coder in enumerate(pw.coders):
            put(pairs, row + 2 + i, 1, coder, header=True)
            for j in range(len(pw.coders)):
                if i != j and pw.measure == "alpha" and rel.too_few_units(pw.shared[i][j]):
                    # The number stays in the CSV and the Figures; a cell here reads as a verdict.
                    put(pairs, row + 2 + i, j + 2, f"too few to measure ({pw.shared[i][j]})")
                elif i != j:
                    put(pairs, row + 2 + i, j + 2, _number(pw.values[i][j]))
        row += len(pw.coders) + 3
    pairs.width(1, 40)
    if rep.plan is not None and rep.plan.rows:
        plan_sheet = book.rows("Sample plan")
        table(
            plan_sheet,
            (
                "Field",
                "Theme",
                "Rarest value",
                "Share",
                "Needed for α ≥ .800",
                "Needed for α ≥ .667",
                "Double-coded",
                "Met .800",
                "Met .667",
                "Reading",
            ),
            [
                (
                    row.field_label,
                    row.code_label or "",
                    row.rarest or "",
                    row.share,
                    row.needs(0.800),
                    row.needs(0.667),
                    row.have,
                    _met(row.enough(0.800)),
                    _met(row.enough(0.667)),
                    row.reading(rep.plan.recommendations),
                )
                for row in rep.plan.rows
            ],
            (24, 30, 24, 9, 12, 12, 12, 9, 9, 90),
        )


def _met(enough: bool | None) -> str:
    return "" if enough is None else ("yes" if enough else "no")


FORMATS = ("table", "csv", "json", "xlsx")


def write_report(
    rep: Report, fmt: str, path: Path | None = None, *, project_path: Path | None = None
) -> str | None:
    """Write the report in ``fmt`` to ``path``; without a path return the text.

    ``project_path``: the open project, which the file must never replace."""
    if fmt not in FORMATS:
        raise ValueError(f"Choose a format from {', '.join(FORMATS)}, not '{fmt}'.")
    if fmt == "xlsx" and path is None:
        raise ValueError("A workbook needs a file to go to: give --out FILE.xlsx.")
    if path is None:
        return {"table": to_table, "csv": to_csv, "json": to_json}[fmt](rep)
    out = check_target(path, protect=[project_path])
    with written_whole(out) as partial:
        if fmt == "xlsx":
            write_xlsx(rep, partial)
        else:
            text = {"table": to_table, "csv": to_csv, "json": to_json}[fmt](rep)
            partial.write_text(text, encoding="utf-8", newline="")
    return None
