"""The benchmark's working folder: the large case (JSON cached by scale, case file built per run).

The JSON is cached under the work folder by scale and by a digest of ``bench/generate.py``
(generating the full case takes minutes, and a change to the generator must not reuse a
stale file). The case file is imported fresh in every run, so it always has the schema of
the code being measured. Everything else a run writes goes into a ``run-*`` folder that is
removed at the end.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .measure import ProbeEnv

GENERATOR = Path(__file__).resolve().parent / "generate.py"
_WORD = re.compile(r"[a-z]{4,}")


@dataclass(frozen=True)
class Words:
    """Words of the generated vocabulary to type and search for, picked by how often they occur."""

    common: str  # the most frequent word in timeline titles
    medium: str  # in about 1% of titles
    rare: str  # in a handful of titles
    phrase: str  # the first two words of a real title
    missing: str  # in no record

    def typing(self) -> list[str]:
        """What the filter row types, letter by letter."""
        return [self.common, self.phrase, self.rare, self.missing]

    def queries(self) -> list[str]:
        """What the search row looks for."""
        return [self.common, self.medium, self.rare, self.phrase, self.medium[:3], self.missing]


def _closest(counts: list[tuple[str, int]], wanted: float) -> str:
    return min(counts, key=lambda item: (abs(item[1] - wanted), item[0]))[0]


@dataclass
class Workspace:
    """Paths, settings and shared measurements of one benchmark run."""

    scale: float
    repeat: int
    workdir: Path
    selected: set[str] = field(default_factory=set)
    export_repeat: int | None = None
    info: dict[str, Any] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=self.workdir))
        self.env = ProbeEnv(homes=self.run_dir / "homes")
        self.case_path = self.run_dir / "large.casefile"
        digest = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:12]
        self.json_path = self.workdir / f"large-{self.scale:g}-{digest}.json"

    # ----- the large case ----------------------------------------------------------------
    def prepare(self, log: Callable[[str], None]) -> None:
        """Step 1: the large JSON (generated or cached) and the case file imported from it."""
        from db.interchange import import_json

        from .generate import write

        if self.json_path.exists():
            self.info["json"] = "cached"
        else:
            for stale in [
                *self.workdir.glob(f"large-{self.scale:g}-*.json"),
                *self.workdir.glob(f"large-{self.scale:g}-*.part"),
            ]:
                stale.unlink()
            log(f"generating the large case at scale {self.scale:g} (cached for later runs)…")
            partial = self.json_path.with_suffix(".part")
            start = time.perf_counter()
            write(partial, self.scale)
            os.replace(partial, self.json_path)
            self.info["json"] = f"generated in {time.perf_counter() - start:.1f} s"
        log("importing it to build the large case file…")
        start = time.perf_counter()
        summary = import_json(self.json_path, self.case_path)
        self.info["first_import_s"] = time.perf_counter() - start
        self.info["counts"] = {str(kind): n for kind, n in summary.counts.items()}
        self.info["json_mb"] = self.json_path.stat().st_size / 1_048_576
        self.info["case_mb"] = self.case_path.stat().st_size / 1_048_576

    @property
    def timeline_rows(self) -> int:
        """Number of timeline entries in the large case."""
        return int(self.info.get("counts", {}).get("timeline", 0))

    def raw(self) -> sqlite3.Connection:
        """A plain read-only sqlite3 connection to the large case file."""
        return sqlite3.connect(f"file:{self.case_path}?mode=ro", uri=True)

    def words(self) -> Words:
        """Typing and search words chosen from the case's own timeline titles."""
        return self.memo("words", self._pick_words)

    def _pick_words(self) -> Words:
        conn = self.raw()
        try:
            titles = [str(row[0]).lower() for row in conn.execute("SELECT title FROM timeline_entry ORDER BY n")]
        finally:
            conn.close()
        counts = Counter(word for title in titles for word in set(_WORD.findall(title)))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if not ranked:
            raise RuntimeError("the timeline titles have no words to search for")
        middle = titles[len(titles) // 2].split()
        missing = "qzxjvw"
        while any(missing in title for title in titles):
            missing += "q"
        return Words(
            common=ranked[0][0],
            medium=_closest(ranked, len(titles) * 0.01),
            rare=_closest(ranked, max(2.0, len(titles) * 0.0005)),
            phrase=" ".join(w.strip(".,;") for w in middle[:2]),
            missing=missing,
        )

    # ----- run files and shared measurements ---------------------------------------------
    def path(self, name: str) -> Path:
        """A file in this run's temporary folder."""
        return self.run_dir / name

    def copy_case(self, name: str) -> Path:
        """A private copy of the large case (for probes that change it)."""
        target = self.path(name)
        shutil.copyfile(self.case_path, target)
        return target

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A measurement shared by several rows, made once."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def wants(self, *keys: str) -> bool:
        """True if any of these rows runs in this invocation."""
        return bool(self.selected & set(keys))

    def cleanup(self) -> None:
        """Remove this run's temporary folder (the cached JSON stays)."""
        shutil.rmtree(self.run_dir, ignore_errors=True)
