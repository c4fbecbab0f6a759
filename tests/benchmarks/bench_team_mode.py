"""Benchmark: 8 coders coding 2,000 recommendations each, at once, on one PostgreSQL server.

    python tests/benchmarks/bench_team_mode.py [--coders 8] [--recommendations 2000] [--logins]

Starts a throw-away PostgreSQL cluster (as the tests do: tests/pg_server.py; needs the
server programs installed), loads a synthetic project, runs the coders as threads
through the services layer (each with its own connections, as each coder's app has),
then checks every value and prints the throughput in annotations per second. With
--logins the project is secured (annotator db grant) and each coder connects with their
own login, held by row-level security, to measure what the policies cost.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.*


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=8)
    parser.add_argument("--recommendations", type=int, default=2_000)
    parser.add_argument(
        "--logins", action="store_true", help="each coder with their own secured login"
    )
    args = parser.parse_args()

    from annotator.services.projects import init_project
    from annotator.services.synthetic import SyntheticSpec, generate
    from tests import pg_server
    from tests.team_load import check_load, run_load, secured_logins

    server = pg_server.start()
    try:
        url = server.new_database()
        project = init_project(url)
        generate(project, SyntheticSpec(recommendations=args.recommendations, coders=0, seed=3))
        logins = secured_logins(server, project, args.coders) if args.logins else None
        project.close()
        result = run_load(url, args.coders, args.recommendations, logins)
        wrong = check_load(url, result)
        how = ", each with their own login (row-level security)" if logins else ""
        print(f"{result.coders} coders x {result.recommendations:,} recommendations at once{how}")
        print(f"annotations written:  {result.annotations_written:,} in {result.seconds:.1f} s")
        print(f"throughput:           {result.per_second:,.0f} annotations per second")
        print(f"errors:               {len(result.errors)}  {result.errors[:3]}")
        print(
            f"values checked:       {len(result.expected):,} coder x recommendation pairs, "
            f"{len(wrong)} wrong"
        )
        return 1 if result.errors or wrong else 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
