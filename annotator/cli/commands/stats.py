"""``annotator stats``: the figures a report quotes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from annotator.cli.command import Command, arg
from annotator.cli.commands.shared import SOURCE_HELP, given


def _stats(target: str | Path, args: argparse.Namespace) -> int:
    from annotator import analysis
    from annotator.services.command_line import stats_data
    from annotator.store.project import open_project

    def show(frame: Any, index: bool = True) -> None:
        print(analysis.readable(frame).to_string(index=index))
        print()

    if args.changed:
        _changed(target, args)
        others = (args.review, args.compare, args.themes, args.check, args.by, args.verify)
        if not any(others) and not args.progress:
            return 0
    project = open_project(target)
    try:
        asked = stats_data(
            project,
            reviews=args.review,
            compare=args.compare,
            source=args.source,
            given=given(args),
        )
    finally:
        project.close()
    data, reviews, compare = asked.data, asked.review_ids, asked.compared
    recs = data.recommendations
    plain = not (args.compare or args.themes or args.check or args.by or args.verify)
    if plain or args.review:
        for review_id in reviews or recs["review_id"].drop_duplicates():
            b = analysis.response_breakdown(recs, int(review_id))
            print(f"== {b.label}: {b.total} recommendations")
            show(b.categories.set_index("Response"))
            show(b.wordings, index=False)
            show(b.positions, index=False)
            for rate in b.rates:
                print(rate)
            print(f"{b.sentence()} (Of {b.basis.removeprefix('of ')}.)")
            print()
    if args.compare:
        c = analysis.compare_reviews(recs, compare[0], compare[1])
        print(f"== {c.earlier.label} against {c.later.label}")
        show(c.table.set_index("Measure"))
        print(c.not_accepted_sentence())
        print(c.sentence(analysis.RATE_STRICT))
        print(c.sentence(analysis.RATE_BROAD))
        print()
    if args.themes:
        tab = analysis.theme_crosstab(recs, data.themes, level=args.level)
        print(f"== Themes x response (themes from {data.source.label}; {tab.basis})")
        show(tab.counts)
        show(tab.shares)
    if args.check:
        quantifier, response, theme = args.check
        if quantifier not in ("none", "all"):
            raise ValueError(
                "--check takes 'none' or 'all' first, e.g. --check none accepted torture"
            )
        result = analysis.check_statement(
            recs,
            data.themes,
            theme,
            response,
            quantifier=quantifier,
            known_themes=data.theme_labels,
        )
        print(f"== {result.claim}")
        print(result.verdict)
        if not result.counter_examples.empty:
            cols = [
                c for c in ("review", "number", "response", "text") if c in result.counter_examples
            ]
            show(result.counter_examples[cols], index=False)
    if args.by == "state":
        print("== By recommending state (a joint recommendation counts for each of its states)")
        show(analysis.by_recommending_state(recs, data.recommending))
    elif args.by == "group":
        print("== By regional group of the recommending states")
        show(analysis.by_regional_group(recs, data.recommending))
    if args.verify:
        if data.verified is None:
            print("The codebook has no verified-response field.")
        else:
            v = analysis.verify_responses(recs, data.verified)
            print("== Verification of the published responses")
            for outcome, count in v.counts.items():
                print(f"{outcome}: {count}")
            if not v.review.empty:
                print()
                show(v.review.drop(columns=["id"]), index=False)
    if plain or args.progress:
        p = data.progress()
        print("== Coding progress")
        if p.by_coder.empty:
            print("Nobody has coded yet.")
        else:
            show(p.by_coder, index=False)
        print(f"Done by at least one coder: {p.done_by_any} of {p.total}")
        print(f"Done by two coders or more: {p.done_by_two}")
    return 0


def _changed(target: str | Path, args: argparse.Namespace) -> None:
    from annotator.services.similar import changed_between
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        r = changed_between(project, *args.changed, threshold=args.threshold)
    finally:
        project.close()
    print(f"== Responses changed from {r.earlier} to {r.later}")
    print(
        f"Similarity threshold {r.threshold:g}: {r.compared} recommendations of {r.later} "
        f"have a close match in {r.earlier}; {len(r.pairs)} of them got another response."
    )
    for pair in r.pairs:
        print()
        print(f"{pair.sentence()} (similarity {pair.score:.2f})")
        print(f"  {pair.earlier.review}: {pair.earlier.text}")
        print(f"  {pair.later.review} {pair.later.number or ''}: {pair.later.text}")
    print()


STATS = Command(
    "stats",
    help="the figures a report quotes: responses, rates, themes, progress",
    description=(
        "Print response breakdowns (the state's wording, its category and the UN "
        "position) with both rejection rates (rejected / all, and (rejected + noted) / "
        "all), cycle-to-cycle comparisons, theme x response tables, checks of statements "
        "such as 'no accepted recommendation concerns torture', figures by recommending "
        "state or regional group, the verification of published responses, and coding "
        "progress. With no option: every review's breakdown and the coding progress."
    ),
    example="""
        annotator stats --db team.upr
        annotator stats --db team.upr --review China:4
        annotator stats --db team.upr --compare China:3 China:4
        annotator stats --db team.upr --changed China:3 China:4 --threshold 0.6
        annotator stats --db team.upr --themes --source coder:Amina
        annotator stats --db team.upr --check none accepted torture
        annotator stats --db team.upr --check all rejected reprisals
        annotator stats --db team.upr --by group --verify --progress
        """,
    args=(
        arg(
            "--review", action="append", metavar="REVIEW", help="only this review; repeat for more"
        ),
        arg(
            "--source",
            help=SOURCE_HELP
            + " (default: the consensus if any, else the only coder, else any coder)",
        ),
        arg(
            "--compare",
            nargs=2,
            metavar=("EARLIER", "LATER"),
            help="compare two reviews of a state",
        ),
        arg(
            "--changed",
            nargs=2,
            metavar=("EARLIER", "LATER"),
            help="recommendations whose close match in the earlier review got another response",
        ),
        arg(
            "--threshold",
            type=float,
            default=0.5,
            help="for --changed: the text similarity (0-1) from which two recommendations "
            "count as the same one (default: %(default)s)",
        ),
        arg("--themes", action="store_true", help="theme x response, counts and row shares"),
        arg(
            "--level",
            choices=("theme", "group"),
            default="theme",
            help="for --themes (default: %(default)s)",
        ),
        arg(
            "--check",
            nargs=3,
            metavar=("none|all", "RESPONSE", "THEME"),
            help="check 'no RESPONSE recommendation concerns THEME' (none) or "
            "'every recommendation on THEME was RESPONSE' (all)",
        ),
        arg("--by", choices=("state", "group"), help="by recommending state or regional group"),
        arg(
            "--verify",
            action="store_true",
            help="coders' verified responses against the published ones",
        ),
        arg("--progress", action="store_true", help="coding progress per coder"),
    ),
    handler=_stats,
)
