"""The plan as people read it: the summary counts and the lines of the preview."""

from __future__ import annotations

from annotator.services.importing.plan import ImportPlan, RecommendationChange
from annotator.services.importing.reviews import describe_review


def summary(plan: ImportPlan) -> dict:
    return {
        "files": [b.file for b in plan.batches],
        "formats": sorted({b.format for b in plan.batches if b.format}),
        "new_reviews": len(plan.new_reviews),
        "existing_reviews": len(plan.existing_reviews),
        "recommendations": {
            action: plan.count(action)
            for action in (
                "new",
                "updated",
                "unchanged",
                "linked",
                "already linked",
                "ambiguous",
                "unmatched",
            )
        },
        "joint_recommendations": plan.joint,
        "rows_merged_into_joint": sum(b.joint_merged for b in plan.batches),
        "responses": dict(plan.responses_by_category()),
        "errors": len(plan.errors),
        "warnings": len(plan.warnings),
    }


def describe(plan: ImportPlan, *, limit: int = 50) -> list[str]:
    """The preview / report as lines a person reads."""
    lines = []
    for batch in plan.batches:
        what = f" ({batch.format})" if batch.format else ""
        lines.append(f"File: {batch.file}{what}")
        lines.extend(f"  {note}" for note in batch.notes)
    for label, reviews in (
        ("New reviews", plan.new_reviews),
        ("Reviews already in the project", plan.existing_reviews),
    ):
        if reviews:
            lines.append(f"{label}: {len(reviews)}")
            lines.extend(f"  {describe_review(r)}" for r in reviews[:limit])
    counts = summary(plan)["recommendations"]
    if plan.recommendations:
        lines.append(
            f"Recommendations: {counts['new']} new, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged"
        )
        matching = ("linked", "already linked", "ambiguous", "unmatched")
        if any(counts[action] for action in matching):
            lines.append(
                f"Matched to recommendations already in the project: {counts['linked']} "
                f"linked, {counts['already linked']} linked before, {counts['ambiguous']} "
                f"ambiguous, {counts['unmatched']} unmatched "
                "(ambiguous and unmatched ones are not added)"
            )
            # The coordinator has to find these rows in the file to fix or link them
            # by hand, so each names its file and row and starts its text.
            left_out = [c for c in plan.recommendations if c.action in {"ambiguous", "unmatched"}]
            for change in left_out[:limit]:
                lines.append(f"  {_left_out_label(plan, change)}")
            if len(left_out) > limit:
                lines.append(f"  … and {len(left_out) - limit} more")
        lines.append(f"Joint recommendations (several recommending states): {plan.joint}")
        merged = sum(b.joint_merged for b in plan.batches)
        if merged:
            lines.append(f"Source rows merged into joint recommendations: {merged}")
        for change in plan.recommendations:
            if change.action == "updated" and len(lines) < limit * 3:
                number = change.record.number or "(no number)"
                lines.append(f"  {number}: {', '.join(change.changes)} changed")
    if plan.responses:
        changed = sum(1 for r in plan.responses if r.changes_project)
        lines.append(f"Responses: {len(plan.responses)} read, {changed} change the project")
        if plan.unanswered:
            shown = ", ".join(plan.unanswered[:limit])
            more = (
                f" and {len(plan.unanswered) - limit} more" if len(plan.unanswered) > limit else ""
            )
            lines.append(f"Recommendations left without a response: {shown}{more}")
    categories = plan.responses_by_category()
    if categories:
        lines.append("Responses by category:")
        lines.extend(f"  {name}: {count}" for name, count in categories.most_common())
    if plan.problems:
        lines.append(f"Problems: {len(plan.errors)} errors, {len(plan.warnings)} warnings")
        lines.extend(f"  {p}" for p in plan.problems[:limit])
        if len(plan.problems) > limit:
            lines.append(f"  … and {len(plan.problems) - limit} more")
    return lines


def _left_out_label(plan: ImportPlan, change: RecommendationChange) -> str:
    record = change.record
    file = next((b.file for b in plan.batches if any(r is record for r in b.recommendations)), "")
    place = ", ".join(
        part for part in (file, f"row {record.row}" if record.row is not None else "") if part
    )
    by = ", ".join(record.recommending_names) or "no recommending state"
    text = record.text if len(record.text) <= 70 else record.text[:69] + "…"
    why = "; ".join(change.changes) or "no recommendation of the review is like it"
    return f'{change.action}: {place} ({by}) "{text}": {why}'
