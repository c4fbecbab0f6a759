"""Benchmark: the reliability sample plan (Coders ▸ Assign, `annotator irr --plan`).

    python tests/benchmarks/bench_sample_plan.py [--recommendations 200000] [--coders 3]
                                                [--coded-share 0.3]

Builds a synthetic project in a temporary folder (services.synthetic: every coder codes
a share of the recommendations, so part of them are double-coded), then times the plan
of every field and theme, as the Assign dialog computes it when it opens.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recommendations", type=int, default=200_000)
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--coded-share", type=float, default=0.3)
    args = parser.parse_args()

    from annotator.services.projects import init_project
    from annotator.services.sample_plan import sample_plan
    from annotator.services.synthetic import SyntheticSpec, generate

    with tempfile.TemporaryDirectory() as folder:
        project = init_project(Path(folder) / "bench.upr")
        try:
            began = time.perf_counter()
            made = generate(
                project,
                SyntheticSpec(
                    recommendations=args.recommendations,
                    coders=args.coders,
                    coded_share=args.coded_share,
                    seed=5,
                ),
            )
            print(
                f"project: {made.recommendations:,} recommendations, {made.coders} coders, "
                f"{made.annotations:,} annotations ({time.perf_counter() - began:.0f} s to build)"
            )
            times = []
            for _ in range(3):
                began = time.perf_counter()
                with project.session() as session:
                    plan = sample_plan(session)
                times.append(time.perf_counter() - began)
            print(
                f"plan of {len(plan.fields())} fields and {len(plan.rows)} rows: "
                f"best {min(times):.2f} s of 3"
            )
            for row in plan.fields():
                print(f"  {row.field_label}: {row.reading(plan.recommendations)}")
        finally:
            project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
