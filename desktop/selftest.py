"""``casefile --self-test``: check that this installation can do its job, without a window.

Run after every build (the release workflow runs it on the frozen app) and by IT staff or
support on a user's machine. It needs no display and never imports Qt, so it works in CI
and over SSH. It works on a temporary copy of the sample case and touches nothing else:
no user data, settings or logs. One line per check, ``ok`` or ``FAIL``; the exit status is
0 only if every check passed.
"""

from __future__ import annotations

import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from . import APP_NAME, __version__

EXIT_OK = 0
EXIT_FAILED = 1
SEARCH_WORD = "CAISI"  # appears in the sample case's title and many of its records


class CheckFailed(Exception):
    """A check found a problem (the message says what)."""


@dataclass
class Context:
    """What earlier checks leave for later ones."""

    folder: Path
    sample: Path | None = None
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def need_sample(self) -> Path:
        """The sample case file, or a failure naming the check it depends on."""
        if self.sample is None:
            raise CheckFailed("no sample case to work on (see the sample check)")
        return self.sample


# ----- checks -----------------------------------------------------------------------------
# Each returns a one-line detail for the "ok" line or raises with the reason.


def check_runtime(_ctx: Context) -> str:
    """Which build this is (always passes; the line is for the person reading the output)."""
    from db.paths import bundle_root, is_frozen

    kind = "frozen" if is_frozen() else "source"
    return (
        f"{APP_NAME} {__version__} ({kind}, {bundle_root()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )


def check_sqlite(_ctx: Context) -> str:
    """The SQLite library is new enough and has FTS5 and the JSON functions."""
    from db.sqlite import probe

    try:
        return probe.library()
    except probe.ProbeFailed as exc:
        raise CheckFailed(str(exc)) from None


def check_migrations(_ctx: Context) -> str:
    """Every migration step is bundled and they build a schema the file checks accept."""
    from db.sqlite.migrations import MIGRATIONS, SCHEMA_VERSION
    from db.sqlite.probe import fresh_schema
    from db.sqlite.schema_check import reference_schema

    if len(MIGRATIONS) != SCHEMA_VERSION:
        raise CheckFailed(f"{len(MIGRATIONS)} migration steps bundled for schema version {SCHEMA_VERSION}")
    done, objects = fresh_schema()
    if done != list(range(1, SCHEMA_VERSION + 1)):
        raise CheckFailed(f"steps run on a new file: {done}")
    if not reference_schema(SCHEMA_VERSION):
        raise CheckFailed("no reference schema for the file checks")
    return f"{len(MIGRATIONS)} steps, schema version {SCHEMA_VERSION}, {objects} schema objects"


def check_fonts(_ctx: Context) -> str:
    """The packet fonts are bundled and reportlab can load every one of them."""
    from reportlab.pdfbase.ttfonts import TTFont

    from db.paths import resource_path

    from .briefing.fonts import CJK_FILE, FACE_FILES, SYMBOLS_FILE

    folder = resource_path("fonts")
    names = [*FACE_FILES.values(), CJK_FILE, SYMBOLS_FILE]
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise CheckFailed(f"missing from {folder}: {', '.join(missing)}")
    for index, name in enumerate(names):
        try:
            TTFont(f"CasefileSelfTest{index}", str(folder / name), subfontIndex=0)
        except Exception as exc:
            raise CheckFailed(f"{name} does not load: {exc}") from None
    licences = sorted(p.name for p in folder.glob("*") if p.name.startswith(("LICENSE", "NOTICE")))
    if not licences:
        raise CheckFailed(f"no font licence files in {folder}")
    return f"{len(names)} bundled, all load ({len(licences)} licence files)"


def check_resources(_ctx: Context) -> str:
    """The window icon, the toolbar and sidebar icons and the third-party licences ship with the app."""
    from db.paths import resource_path

    icon = resource_path("icons", "casefile.png")
    if not icon.is_file() or not icon.read_bytes().startswith(b"\x89PNG"):
        raise CheckFailed(f"the app icon {icon} is missing or not a PNG")
    toolbar_icons = list(resource_path("icons", "ui").glob("*.svg"))
    if not toolbar_icons:
        raise CheckFailed(f"the toolbar and sidebar icons are missing from {resource_path('icons', 'ui')}")
    notices = resource_path("licenses", "THIRD-PARTY-NOTICES.md")
    if not notices.is_file():
        raise CheckFailed(f"the third-party notices {notices} are missing")
    count = len(list(resource_path("licenses").glob("*")))
    return f"icon, {len(toolbar_icons)} toolbar and sidebar icons and {count} licence files present"


def check_time_zones(_ctx: Context) -> str:
    """Time zone names resolve (dates like "5:21 p.m. EDT" need the zone database)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo("America/New_York")
    except Exception as exc:
        raise CheckFailed(f"no time zone database ({exc.__class__.__name__}: {exc})") from None
    summer = dt.datetime(2026, 6, 12, 17, 21, tzinfo=zone)
    if summer.tzname() != "EDT" or summer.utcoffset() != dt.timedelta(hours=-4):
        raise CheckFailed(f"America/New_York in June is {summer.tzname()} {summer.utcoffset()}, expected EDT")
    return "America/New_York resolves (EDT in June)"


def check_sample(ctx: Context) -> str:
    """The bundled sample case imports into a new case file."""
    from db.sample import SAMPLE_FILE_NAME, create_sample

    target = ctx.folder / SAMPLE_FILE_NAME
    summary = create_sample(target)
    ctx.sample = target
    total = sum(summary.counts.values())
    if total == 0:
        raise CheckFailed("the sample case has no records")
    return f"created a temporary copy ({total} records, {target.stat().st_size // 1024} kB)"


def check_file_checks(ctx: Context) -> str:
    """The open-time checks pass the sample and refuse a copy with a planted trigger."""
    from db.errors import RefusedFileError
    from db.sqlite.filecheck import check_file
    from db.sqlite.probe import plant_trigger

    sample = ctx.need_sample()
    report = check_file(sample)
    planted = ctx.folder / "planted.casefile"
    shutil.copyfile(sample, planted)
    plant_trigger(planted)
    try:
        check_file(planted)
    except RefusedFileError:
        pass
    else:
        raise CheckFailed("a case file with a planted trigger was not refused")
    return f"sample passes (schema version {report.version}); a planted trigger is refused"


def check_open_and_search(ctx: Context) -> str:
    """The sample opens and full-text search finds records in it."""
    from db.search import search
    from db.sqlite.casefile import CaseFile

    with CaseFile.open(ctx.need_sample(), read_only=True) as cf:
        hits = search(cf, SEARCH_WORD)
    if not hits:
        raise CheckFailed(f'searching the sample for "{SEARCH_WORD}" found nothing')
    return f'opens read-only; "{SEARCH_WORD}" finds {len(hits)} records'


def check_briefing(ctx: Context) -> str:
    """The briefing packet exports to a well-formed PDF, in a child process as the app does it."""
    from db.sqlite.casefile import CaseFile

    from . import jobs
    from .briefing_export import load_options

    out = ctx.folder / "briefing.pdf"
    started = time.perf_counter()
    with CaseFile.open(ctx.need_sample(), read_only=True) as cf:
        options = load_options(cf)
    options.deterministic = True
    try:
        result = jobs.run_in_child(jobs.export_briefing, ctx.need_sample(), out, options.to_dict(), timeout=300)
    except RuntimeError as exc:
        raise CheckFailed(f"the export in a background process failed: {exc}") from None
    seconds = time.perf_counter() - started
    data = out.read_bytes() if out.is_file() else b""
    if not data.startswith(b"%PDF-"):
        raise CheckFailed(f"{out.name} is {'empty' if not data else 'not a PDF'}")
    if b"%%EOF" not in data[-1024:]:
        raise CheckFailed(f"{out.name} is truncated (no %%EOF)")
    if result.pages < 2:
        raise CheckFailed(f"the packet has {result.pages} page(s)")
    return f"{result.pages} pages, {len(data) // 1024} kB in {seconds:.1f} s"


CHECKS: tuple[tuple[str, Callable[[Context], str]], ...] = (
    ("runtime", check_runtime),
    ("sqlite", check_sqlite),
    ("migrations", check_migrations),
    ("fonts", check_fonts),
    ("resources", check_resources),
    ("time zones", check_time_zones),
    ("sample", check_sample),
    ("file checks", check_file_checks),
    ("open", check_open_and_search),
    ("briefing", check_briefing),
)


def _line(ok: bool, name: str, detail: str) -> str:
    return f"{'ok  ' if ok else 'FAIL'} {name}: {detail}"


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check, print one line each, and return 0 only if all passed."""
    stream = out if out is not None else sys.stdout
    with tempfile.TemporaryDirectory(prefix="casefile-selftest-") as folder:
        ctx = Context(Path(folder))
        for name, check in CHECKS:
            try:
                detail, ok = check(ctx), True
            except CheckFailed as exc:
                detail, ok = str(exc), False
            except Exception as exc:  # an unexpected error is a failed check, with where it happened
                where = traceback.extract_tb(exc.__traceback__)[-1]
                detail = f"{exc.__class__.__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
                ok = False
            ctx.results.append((name, ok, detail))
            print(_line(ok, name, " ".join(detail.split())), file=stream, flush=True)
    return EXIT_OK if all(ok for _name, ok, _detail in ctx.results) else EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(run_self_test())
