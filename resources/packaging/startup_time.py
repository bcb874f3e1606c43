"""Measure how long the app takes from launch to its main window (docs/packaging.md).

    python resources/packaging/startup_time.py dist/Casefile/casefile [--runs 5]
    python resources/packaging/startup_time.py casefile          # a source install

Starts the given ``casefile`` executable with ``CASEFILE_STARTUP_PROBE=1`` (the app prints
"main window shown after X s" when its main window first paints, then closes) and a fresh
private user folder, and times launch to that line from outside, so the figure includes
the bootloader, Python start-up and imports. The first run is a new user's first launch
(it creates the sample case); the rest reopen it, as every later launch does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

PROBE_LINE = "main window shown after"


def launch_once(command: list[str], env: dict[str, str], timeout: float) -> tuple[float, str]:
    """Seconds from launch to the probe line, and the line itself."""
    started = time.perf_counter()
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    ) as proc:
        assert proc.stdout is not None
        seen = None
        for line in proc.stdout:
            if PROBE_LINE in line and seen is None:
                seen = time.perf_counter() - started, line.strip()
        proc.wait(timeout=timeout)
    if seen is None or proc.returncode != 0:
        raise SystemExit(f"{command[0]} exited with {proc.returncode} without showing its main window")
    return seen


def main(argv: list[str] | None = None) -> int:
    """Run the executable several times and print each time and the median of the later runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("executable", help="the casefile executable (frozen or a source install)")
    parser.add_argument("--runs", type=int, default=5, help="launches after the first (default 5)")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="casefile-startup-") as home:
        env = {**os.environ, "CASEFILE_STARTUP_PROBE": "1", "CASEFILE_HOME": home}
        first, line = launch_once([args.executable], env, args.timeout)
        print(f"first launch (creates the sample case): {first:.2f} s  [{line}]")
        times = []
        for _ in range(args.runs):
            seconds, line = launch_once([args.executable], env, args.timeout)
            times.append(seconds)
            print(f"launch: {seconds:.2f} s  [{line}]")
    print(f"median of {len(times)} later launches: {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
