"""Timing utilities: repeated measurement, summary statistics, and probe subprocesses.

Every figure is a ``Figure``: the raw samples with their unit, summarised as the median
and the spread (min-max, and p95/p99 where a row takes many samples). Probes are fresh
Python processes (``python -m bench.probe_*``) that print one result line as JSON; they
run offscreen, with a private user folder, under a timeout.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH-RESULT "
clock = time.perf_counter


def percentile(values: list[float] | tuple[float, ...], q: float) -> float:
    """The ``q``-th percentile (0-100), interpolating between the nearest samples."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Figure:
    """Samples of one quantity (seconds unless ``unit`` says otherwise)."""

    samples: tuple[float, ...]
    unit: str = "s"

    @classmethod
    def of(cls, samples: list[float] | tuple[float, ...], unit: str = "s") -> Figure:
        """A figure from a list of samples (at least one)."""
        if not samples:
            raise ValueError("no samples")
        return cls(tuple(float(s) for s in samples), unit)

    @property
    def n(self) -> int:
        """Number of samples."""
        return len(self.samples)

    @property
    def median(self) -> float:
        """The median sample."""
        return percentile(self.samples, 50)

    @property
    def low(self) -> float:
        """The smallest sample."""
        return min(self.samples)

    @property
    def high(self) -> float:
        """The largest sample."""
        return max(self.samples)

    def p(self, q: float) -> float:
        """The ``q``-th percentile."""
        return percentile(self.samples, q)

    def fmt(self, value: float) -> str:
        """One value in this figure's unit, readably ("12.3 ms", "1.24 s", "143 MB")."""
        return fmt_value(value, self.unit)

    def summary(self, *, tail: bool = False) -> str:
        """``median (min–max)``; with ``tail``, ``p50 … · p95 … (min–max, n=…)``."""
        if self.n == 1:
            return f"{self.fmt(self.median)} (1 run)"
        if tail:
            return (
                f"p50 {self.fmt(self.median)} · p95 {self.fmt(self.p(95))} "
                f"({self.fmt(self.low)}–{self.fmt(self.high)}, n={self.n})"
            )
        return f"{self.fmt(self.median)} ({self.fmt(self.low)}–{self.fmt(self.high)}, n={self.n})"

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable form (for docs/performance.json)."""
        return {
            "unit": self.unit,
            "n": self.n,
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "p95": self.p(95),
            "p99": self.p(99),
            "samples": list(self.samples),
        }


def fmt_value(value: float, unit: str) -> str:
    """Format a value: seconds switch to milliseconds below one second."""
    if math.isnan(value):
        return "n/a"
    if unit == "s":
        if abs(value) < 1:
            ms = value * 1000
            return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "pages/s":
        return f"{value:.0f} pages/s"
    return f"{value:.3g} {unit}"


def time_call(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    start = clock()
    fn()
    return clock() - start


def repeat(
    fn: Callable[[], object],
    times: int,
    *,
    setup: Callable[[], object] | None = None,
    teardown: Callable[[], object] | None = None,
) -> Figure:
    """Time ``fn`` ``times`` times; ``setup``/``teardown`` run around each call, untimed."""
    samples: list[float] = []
    for _ in range(times):
        if setup is not None:
            setup()
        try:
            samples.append(time_call(fn))
        finally:
            if teardown is not None:
                teardown()
    return Figure.of(samples)


def memory_mb() -> dict[str, float]:
    """Peak and current resident memory of this process, in MB.

    The peak is the kernel's high-water mark of this process's own memory (VmHWM). Linux's
    ``ru_maxrss`` would be wrong for a probe: it carries over the parent's high-water mark
    through fork and exec, so a child of a big parent reports the parent's size.
    """
    status: dict[str, float] = {}
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    status[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "peak_mb": status.get("VmHWM", maxrss),
        "current_mb": status.get("VmRSS", float("nan")),
        "ru_maxrss_mb": maxrss,
    }


# ----- probes -----------------------------------------------------------------------------


class ProbeError(RuntimeError):
    """A probe subprocess failed, timed out, or printed no result."""


@dataclass
class ProbeEnv:
    """How probe subprocesses run: offscreen Qt, a private ``CASEFILE_HOME`` per purpose."""

    homes: Path
    extra: dict[str, str] = field(default_factory=dict)

    def environ(self, home: str) -> dict[str, str]:
        """The environment of a probe whose user folders live under ``homes/home``."""
        env = dict(os.environ)
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["CASEFILE_HOME"] = str(self.homes / home)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
        env.pop("CASEFILE_STARTUP_PROBE", None)
        env.update(self.extra)
        return env


def run_probe(
    module: str, args: dict[str, Any], *, env: ProbeEnv, home: str, timeout: float, retries: int = 0
) -> dict[str, Any]:
    """Run ``python -m bench.<module> ARGS`` in a fresh process; return its JSON result.

    ``spawn`` (this process's ``time.monotonic()`` just before starting it) is passed in, so
    the probe can measure from the moment the parent asked for a new process. The probe runs
    in its own process group, killed whole on timeout (the app may have started children).
    A probe that crashes (killed by a signal) is run again up to ``retries`` times; the
    crashes are listed in the result under ``crashes``.
    """
    crashes: list[str] = []
    while True:
        try:
            return {**_run_once(module, args, env=env, home=home, timeout=timeout), "crashes": crashes}
        except _Crashed as crash:
            if len(crashes) >= retries:
                raise ProbeError(str(crash)) from None
            crashes.append(str(crash))


class _Crashed(ProbeError):
    """The probe process was killed by a signal."""


def _run_once(module: str, args: dict[str, Any], *, env: ProbeEnv, home: str, timeout: float) -> dict[str, Any]:
    import signal
    import subprocess  # here: probes import this module and should start quickly

    payload = dict(args)
    payload["spawn"] = time.monotonic()
    command = [sys.executable, "-X", "faulthandler", "-m", f"bench.{module}", json.dumps(payload)]
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        env=env.environ(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ProbeError(f"bench.{module} did not finish within {timeout:.0f} s") from None
    result = None
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
    if proc.returncode != 0 or result is None:
        tail = " | ".join((stderr or stdout).strip().splitlines()[-8:])
        message = f"bench.{module} exited with {proc.returncode}: {tail}"
        raise (_Crashed if proc.returncode < 0 else ProbeError)(message)
    if "error" in result:
        raise ProbeError(f"bench.{module}: {result['error']}")
    return dict(result)


def emit(result: dict[str, Any]) -> None:
    """Print a probe's result line (the parent reads the last one)."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)
