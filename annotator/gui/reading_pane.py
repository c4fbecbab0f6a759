"""The recommendation as a coder reads it: large text, who recommended it, the response."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from annotator.services.coding import FieldValue, FormSpec
from annotator.services.recommendations import RecommendationDetail, document_url
from annotator.services.response_history import HistoryItem
from annotator.services.similar import SimilarRecommendation

HIGHLIGHT = "#fff6cc"
SOURCE_KINDS = {
    "theme": "Themes (source)",
    "matrix_theme": "Cluster",
    "affected_persons": "Affected persons",
    "sdg": "SDGs",
    "issue": "UPR Info issues",
    "action": "UPR Info action category",
    "response": "UPR Info response",
}


def keyword_pattern(spec: FormSpec) -> re.Pattern[str] | None:
    words = sorted(
        {k.strip() for f in spec.fields for c in f.codes if not c.retired for k in c.keywords}
        - {""},
        key=len,
        reverse=True,
    )
    if not words:
        return None
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")", re.IGNORECASE)


def _text_html(text: str, pattern: re.Pattern[str] | None) -> str:
    clean = " ".join(text.split())
    if pattern is None:
        return escape(clean)
    out, last = [], 0
    for match in pattern.finditer(clean):
        out.append(escape(clean[last : match.start()]))
        out.append(f"<span style='background:{HIGHLIGHT}'>{escape(match.group(0))}</span>")
        last = match.end()
    out.append(escape(clean[last:]))
    return "".join(out)


def render_recommendation(
    detail: RecommendationDetail,
    spec: FormSpec,
    *,
    zoom: int = 0,
    highlight: bool = True,
    others: dict[str, dict[int, FieldValue]] | None = None,
    similar: Sequence[SimilarRecommendation] = (),
) -> str:
    size = 15 + zoom
    review = f"{detail.state_under_review}, cycle {detail.cycle}"
    if detail.year:
        review += f" ({detail.year})"
    if detail.report_symbol:
        review += f" · {detail.report_symbol}"
    states = (
        ", ".join(
            f"<b>{escape(s.name)}</b>"
            + (
                f" <span style='color:gray'>({escape(s.regional_group)})</span>"
                if s.regional_group
                else ""
            )
            for s in detail.recommending
        )
        or escape(detail.recommending_text)
        or "not recorded"
    )
    response = escape(detail.response) if detail.response else "not recorded"
    if detail.position and detail.response and detail.position != detail.response.casefold():
        response += f" <span style='color:gray'>(normalised: {escape(detail.position)})</span>"
    parts = [
        f"<p style='color:gray'>Recommendation <b>{escape(detail.number)}</b>"
        f" · {escape(review)}</p>",
        f"<p style='font-size:{size}pt; line-height:145%'>"
        f"{_text_html(detail.text, keyword_pattern(spec) if highlight else None)}</p>",
        f"<p>Recommended by: {states}</p>",
        f"<p>Response as published: <b>{response}</b></p>",
    ]
    if detail.response_explanation:
        parts.append(
            f"<p style='margin-left:12px; color:#444'><i>{escape(detail.response_explanation)}"
            "</i></p>"
        )
    if detail.history:
        parts.append(_history_html(detail.history))
    url = document_url(detail)
    source = escape(detail.source_reference) if detail.source_reference else ""
    if url:
        source += (" · " if source else "") + f"<a href='{escape(url)}'>open the document</a>"
    if source:
        parts.append(f"<p style='color:gray'>Source: {source}</p>")
    grouped: dict[str, list[str]] = {}
    for _source, kind, value in detail.source_tags:
        grouped.setdefault(SOURCE_KINDS.get(kind, kind), []).append(value)
    if grouped:
        rows = "".join(
            f"<tr><td style='color:gray; padding-right:8px'>{escape(k)}</td>"
            f"<td>{escape('; '.join(dict.fromkeys(v)))}</td></tr>"
            for k, v in grouped.items()
        )
        parts.append(f"<p style='color:gray'>What the source says:</p><table>{rows}</table>")
    if similar:
        parts.append(_similar_html(similar))
    if others is not None:
        parts.append(_others_html(spec, others))
    return "".join(parts)


def _similar_html(similar: Sequence[SimilarRecommendation]) -> str:
    """The closest recommendations of earlier reviews and how the state answered them then."""
    items = []
    for s in similar:
        response = escape(s.response or "no response recorded")
        category = CATEGORY_WORDS.get(s.category or "", "")
        if category and category != (s.response or "").casefold():
            response += f" ({escape(category)})"
        number = f" {escape(s.number)}" if s.number else ""
        items.append(
            f"<li>{escape(s.text)}<br><span style='color:gray'>{escape(s.review)}{number} · "
            f"then: <b>{response}</b> · similarity {s.score:.2f}</span></li>"
        )
    return (
        "<p style='color:gray; margin-bottom:0'>Similar recommendations of earlier reviews:"
        f"</p><ul style='margin-top:2px'>{''.join(items)}</ul>"
    )


CATEGORY_WORDS = {
    "accepted": "accepted",
    "accepted-implemented": "accepted, implemented",
    "partially accepted": "partially accepted",
    "noted": "noted",
    "rejected": "rejected",
    "other": "none of the usual categories",
}


def _history_html(history: tuple[HistoryItem, ...]) -> str:
    """Where the response comes from and, when other documents gave one, what they said
    (newest first; a later document never hides an earlier one)."""
    current = history[-1]
    if len(history) == 1:
        return f"<p style='color:gray'>From: {escape(current.document)}</p>"
    items = []
    for item in reversed(history):
        said = escape(item.wording or "no response")
        category = CATEGORY_WORDS.get(item.category or "", "")
        if category and category != (item.wording or "").casefold():
            said += f" <span style='color:gray'>({escape(category)})</span>"
        where = escape(item.document)
        if item.current:
            line = f"<b>{said}</b> · {where} · <i>current</i>"
        else:
            line = f"<span style='color:#555'>{said} · {where}</span>"
        if item.explanation and not item.current:
            line += f"<br><span style='color:gray'><i>{escape(item.explanation)}</i></span>"
        items.append(f"<li>{line}</li>")
    return (
        f"<p style='color:gray; margin-bottom:0'>Response history, newest first "
        f"({len(history)} documents):</p><ul style='margin-top:2px'>{''.join(items)}</ul>"
    )


def _others_html(spec: FormSpec, others: dict[str, dict[int, FieldValue]]) -> str:
    if not others:
        return "<p style='color:gray'>No other coder has coded this recommendation.</p>"
    names = list(others)
    header = "".join(f"<th align='left'>{escape(n)}</th>" for n in names)
    rows = []
    for field in spec.fields:
        cells = []
        values = [others[n].get(field.stored_id, FieldValue()) for n in names]
        for value in values:
            if field.is_choice:
                text = ", ".join(c.label for c in field.codes if c.id in value.codes)
            else:
                text = value.text or ""
            cells.append(f"<td>{escape(text) or '–'}</td>")
        differs = len({v for v in values}) > 1
        style = " style='background:#fde2e2'" if differs else ""
        rows.append(f"<tr{style}><td><b>{escape(field.label)}</b></td>{''.join(cells)}</tr>")
    return (
        "<h4>All coders' codes</h4><table border='0' cellpadding='3'>"
        f"<tr><th></th>{header}</tr>{''.join(rows)}</table>"
    )
