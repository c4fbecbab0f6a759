"""A project whose figures are known in advance, built through the real bulk paths.

China 2018 (cycle 3): 300 recommendations, 246 accepted, 20 noted, 34 rejected
(rejected + noted: 54 / 300 = 18.0 %). China 2024 (cycle 4): exactly 428, accepted 290
(150 "accepted and already implemented", 140 "accepted and being implemented"),
partially accepted 8, noted 32, rejected 98: 98 / 428 = 22.9 % and 130 / 428 = 30.4 %.
Chile 2024: 10 recommendations, all "Supported".

Coder Amina coded China 2024: torture on 20 recommendations, all noted or rejected;
reprisals on 5, all rejected; women's rights on 30, 25 accepted and 5 rejected.
Amina and Ben verified the published response of China 2024's first ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from annotator.importers.records import ImportBatch, RecommendationRecord, ReviewRecord
from annotator.services.bulk import write_annotations, write_batch, write_statuses
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import form_spec
from annotator.services.projects import init_project
from annotator.store.models import Recommendation, Review
from annotator.store.project import Project

CHINA_2018 = ReviewRecord("CHN", 3, 31, 2018, "A/HRC/40/6", "A/HRC/40/6/Add.1")
CHINA_2024 = ReviewRecord("CHN", 4, 45, 2024, "A/HRC/56/6", "A/HRC/56/6/Add.1")
CHILE_2024 = ReviewRecord("CHL", 4, 46, 2024, "A/HRC/56/1", None)
RECOMMENDERS = ["FRA", "DEU", "USA", "BRA", "NGA"]  # WEOG x3, GRULAC, African


def _responses_2024() -> list[str]:
    return (
        ["accepted and already implemented"] * 150
        + ["accepted and being implemented"] * 140
        + ["partially accepted"] * 8
        + ["noted"] * 32
        + ["rejected"] * 98
    )


def _records(review: ReviewRecord, responses: list[str], paragraph: int):
    records = []
    for n, response in enumerate(responses, start=1):
        states = [RECOMMENDERS[n % len(RECOMMENDERS)]]
        if n % 10 == 0:
            states = ["FRA", "DEU"]  # joint, both Western European and others
        records.append(
            RecommendationRecord(
                review=review,
                number=f"{paragraph}.{n}",
                text=f"Recommendation {paragraph}.{n} of {review.state_iso3} cycle {review.cycle}",
                recommending_text=", ".join(states),
                recommending_iso3=states,
                response=response,
            )
        )
    return records


@dataclass
class KnownProject:
    project: Project
    path: Path
    china_2018: int
    china_2024: int
    chile_2024: int
    amina: int
    ben: int
    ids_2024: list[int]  # reading order
    torture: list[int]
    reprisals: list[int]
    womens_rights: list[int]


def build(path: Path | str) -> KnownProject:
    """``path``: a project file, or the URL of an empty PostgreSQL database."""
    project = init_project(path)
    batch = ImportBatch()
    batch.recommendations = (
        _records(CHINA_2018, ["Supported"] * 246 + ["Noted"] * 20 + ["rejected"] * 34, 150)
        + _records(CHINA_2024, _responses_2024(), 160)
        + _records(CHILE_2024, ["Supported"] * 10, 120)
    )
    with project.write() as session:
        write_batch(session, batch)
        reviews = {
            (r.cycle, r.year, r.report_symbol): r.id for r in session.scalars(select(Review))
        }
        china_2018 = reviews[(3, 2018, "A/HRC/40/6")]
        china_2024 = reviews[(4, 2024, "A/HRC/56/6")]
        chile_2024 = reviews[(4, 2024, "A/HRC/56/1")]
        rows = session.execute(
            select(Recommendation.id, Recommendation.response)
            .where(Recommendation.review_id == china_2024)
            .order_by(Recommendation.sort_key)
        ).all()
        ids = [r for r, _ in rows]
        by_response: dict[str, list[int]] = {}
        for rid, response in rows:
            by_response.setdefault(response, []).append(rid)
        rejected, noted = by_response["rejected"], by_response["noted"]
        accepted = by_response["accepted and already implemented"]
        torture = rejected[:12] + noted[:8]
        reprisals = rejected[20:25]
        womens = accepted[:25] + rejected[30:35]
        amina = get_or_create_coder(session, "Amina").id
        ben = get_or_create_coder(session, "Ben").id
        # The team's coordinator, who exports and measures (she codes nothing here).
        get_or_create_coder(session, "Olga", role="coordinator")
        spec = form_spec(session)
        themes = spec.field_by_key("themes")
        code = {c.key: c.id for c in themes.codes}
        verified = spec.field_by_key("published_response")
        vcode = {c.key: c.id for c in verified.codes}
        annotations = []
        for key, members in (
            ("torture", torture),
            ("reprisals", reprisals),
            ("womens_rights", womens),
        ):
            annotations += [(rid, amina, themes.id, code[key], None, 1) for rid in members]
        # Verified responses of the first ten (all "accepted and already implemented"):
        # Amina confirms eight and corrects two to "rejected"; Ben agrees with her on the
        # first four and says "noted" on the fifth; Amina finds the sixth unclear.
        first = ids[:10]
        amina_says = ["accepted_implemented"] * 5 + ["no_response"] + ["accepted"] * 2
        amina_says += ["rejected"] * 2
        annotations += [
            (rid, amina, verified.id, vcode[k], None, 1)
            for rid, k in zip(first, amina_says, strict=True)
        ]
        ben_says = ["accepted_being_implemented"] * 4 + ["noted"]
        annotations += [
            (rid, ben, verified.id, vcode[k], None, 1)
            for rid, k in zip(first[:5], ben_says, strict=True)
        ]
        annotations.sort()
        write_annotations(session, annotations)
        write_statuses(
            session,
            [(rid, amina, "done") for rid in ids[:100]]
            + [(rid, ben, "done") for rid in ids[:40]]
            + [(rid, ben, "flagged") for rid in ids[40:42]],
        )
    return KnownProject(
        project,
        path,
        china_2018,
        china_2024,
        chile_2024,
        amina,
        ben,
        ids,
        sorted(torture),
        sorted(reprisals),
        sorted(womens),
    )
