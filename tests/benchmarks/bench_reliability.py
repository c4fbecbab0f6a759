"""Benchmark: nominal Krippendorff's alpha, ours against the `krippendorff` package.

    python tests/benchmarks/bench_reliability.py [--sizes 200000x5x30,100000x5x5]
                                                 [--missing 0.1] [--repeat 3]

Each size is units × coders × categories, with random ratings (seeded) of which a share
(--missing) is left out. Every measurement runs in a fresh subprocess so that peak
memory (the rise of /proc/self/status VmHWM over the resident size once the data are
built) belongs to one computation only. Ours starts from the long DataFrame (unit,
coder, value); the package from its reliability_data matrix (coders × units, NaN for
missing), each its natural input. The package builds a units × categories × categories
array several times over; where that would need more than --package-limit GB, its run
is skipped and the output says so.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def package_estimate_gb(units: int, coders: int, categories: int) -> float:
    # krippendorff 0.9 holds about three float64 units × V × V arrays at once in
    # _coincidences, plus a coders × units × V boolean comparison.
    return (3 * units * categories * categories * 8 + coders * units * categories) / 1e9


def worker(which: str, units: int, coders: int, categories: int, missing: float, repeat: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(12345)
    values = rng.integers(0, categories, size=(coders, units)).astype(np.float64)
    values[rng.random((coders, units)) < missing] = np.nan
    if which == "ours":
        from annotator.reliability import krippendorff_alpha

        coder_index, unit_index = np.nonzero(~np.isnan(values))
        data = pd.DataFrame(
            {
                "unit": unit_index,
                "coder": np.array([f"coder {i}" for i in range(coders)])[coder_index],
                "value": values[coder_index, unit_index].astype(np.int64),
            }
        )
        del coder_index, unit_index

        def run() -> float:
            return krippendorff_alpha(data, level="nominal").value
    else:
        import krippendorff

        def run() -> float:
            return float(krippendorff.alpha(values, level_of_measurement="nominal"))

    before = _status_kb("VmRSS")
    times, result = [], float("nan")
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    peak = _status_kb("VmHWM") - before
    print(json.dumps({"seconds": min(times), "peak_mb": peak / 1024, "alpha": result}))


def measure(which: str, size: tuple[int, int, int], missing: float, repeat: int) -> dict:
    units, coders, categories = size
    command = [
        sys.executable,
        __file__,
        "--worker",
        which,
        "--sizes",
        f"{units}x{coders}x{categories}",
        "--missing",
        str(missing),
        "--repeat",
        str(repeat),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000x5x30,100000x5x5")
    parser.add_argument("--missing", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--package-limit", type=float, default=6.0, help="GB")
    parser.add_argument("--worker", choices=["ours", "package"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    if args.worker:
        worker(args.worker, *sizes[0], args.missing, args.repeat)
        return 0

    print(f"nominal alpha, {args.missing:.0%} of ratings missing, best of {args.repeat} runs")
    for size in sizes:
        units, coders, categories = size
        print(f"\n{units:,} units × {coders} coders × {categories} categories")
        ours = measure("ours", size, args.missing, args.repeat)
        print(
            f"  annotator.reliability  {ours['seconds']:8.3f} s  "
            f"peak +{ours['peak_mb']:8.1f} MB   alpha {ours['alpha']:.12f}"
        )
        estimate = package_estimate_gb(*size)
        if estimate > args.package_limit:
            print(
                f"  krippendorff.alpha     skipped: would need about {estimate:.1f} GB "
                f"(limit {args.package_limit:g} GB, --package-limit)"
            )
            continue
        theirs = measure("package", size, args.missing, args.repeat)
        print(
            f"  krippendorff.alpha     {theirs['seconds']:8.3f} s  "
            f"peak +{theirs['peak_mb']:8.1f} MB   alpha {theirs['alpha']:.12f}"
        )
        print(
            f"  ours is {theirs['seconds'] / ours['seconds']:.1f}× as fast, using "
            f"{ours['peak_mb'] / theirs['peak_mb']:.2f}× the memory; "
            f"difference in alpha {abs(ours['alpha'] - theirs['alpha']):.1e}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
