"""The frozen app: build it with ``pyinstaller build.spec`` and run it as a user's machine would.

Slow (a build takes 30-60 s here): ``pytest -m "not slow"`` skips it; ``.ci/run`` runs it. The
test over TLS is marked ``server`` too: it needs the test server (scripts/test_postgres.sh).
With ``CASEFILE_FROZEN_APP`` pointing at an already-built app (``dist/Casefile`` or
``dist/Casefile.app``), it tests that build instead of making one; the release workflow
does this on the very build it ships.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from server_fixtures import server, with_tls  # noqa: F401  (fixture)

import desktop
from desktop.selftest import CHECKS

ROOT = Path(__file__).resolve().parent.parent
FROZEN_ENV = "CASEFILE_FROZEN_APP"

pytestmark = pytest.mark.slow


def executable_in(bundle: Path) -> Path:
    """The executable that prints to the terminal: casefile-cli.exe on Windows, the app's own elsewhere."""
    if sys.platform == "win32":
        return bundle / "casefile-cli.exe"
    if sys.platform == "darwin":
        return bundle / "Contents" / "MacOS" / desktop.APP_NAME
    return bundle / desktop.APP_NAME.lower()


def internal_dir(bundle: Path) -> Path:
    """Where the bundle keeps Python, Qt and the resources."""
    return bundle / "Contents" / "Frameworks" if sys.platform == "darwin" else bundle / "_internal"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built app: given by CASEFILE_FROZEN_APP, or built now into a temporary folder."""
    given = os.environ.get(FROZEN_ENV)
    if given:
        path = Path(given).resolve()
        assert path.exists(), f"{FROZEN_ENV}={given} does not exist"
        return path
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.skip('PyInstaller is not installed (pip install -e ".[test]" installs it)')
    if sys.platform.startswith("linux") and shutil.which("objdump") is None:
        pytest.skip("PyInstaller needs objdump on Linux (Debian: apt-get install binutils)")
    out = tmp_path_factory.mktemp("frozen")
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "build"), str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    name = f"{desktop.APP_NAME}.app" if sys.platform == "darwin" else desktop.APP_NAME
    return out / "dist" / name


@pytest.fixture
def run_frozen(bundle: Path, casefile_home: Path):
    """Run the frozen executable offscreen with a private user folder."""
    exe = executable_in(bundle)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CASEFILE_HOME": str(casefile_home)}
    env.pop("PYTHONPATH", None)  # the frozen app must not lean on the source tree

    def run(*args: str, cwd: Path | None = None, extra_env: dict[str, str] | None = None):
        return subprocess.run(
            [str(exe), *args], cwd=cwd, env={**env, **(extra_env or {})}, capture_output=True, text=True, timeout=300
        )

    return run


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    """A sample case file made by the source CLI, as a user's colleague would send it."""
    target = tmp_path / "X.casefile"
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "new", str(target), "--sample"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return target


def test_self_test_passes(run_frozen) -> None:
    result = run_frozen("--self-test")
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(lines) == len(CHECKS)
    assert all(line.startswith("ok   ") for line in lines), result.stdout
    assert "(frozen," in lines[0]


def test_export_writes_the_briefing_packet(run_frozen, sample_file: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from db.sample import sample_document

    out = tmp_path / "packet.pdf"
    result = run_frozen("export", str(sample_file), "-o", str(out), "--deterministic", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    reader = PdfReader(out)
    pages = len(reader.pages)
    assert f"Wrote {out} ({pages} pages)." in result.stdout
    assert pages > 5
    marking = " ".join(sample_document()["case"]["marking"].split())
    for index in (0, pages - 1):
        text = " ".join(reader.pages[index].extract_text().split())
        assert marking in text, f"page {index + 1} lacks the marking {marking!r}"
    assert reader.metadata.creator == f"Casefile {desktop.__version__}"
    fonts = {
        font["/BaseFont"].split("+")[-1] for page in reader.pages[:2] for font in page["/Resources"]["/Font"].values()
    }
    assert "DejaVuSans" in fonts  # the bundled font, embedded


def test_check_accepts_a_case_file_and_refuses_a_tampered_one(run_frozen, sample_file: Path, tmp_path: Path) -> None:
    result = run_frozen("check", str(sample_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"OK: {sample_file.name} is a valid case file")
    tampered = tmp_path / "tampered.casefile"
    shutil.copyfile(sample_file, tampered)
    with sqlite3.connect(tampered) as conn:
        conn.execute("CREATE TRIGGER planted AFTER INSERT ON actor BEGIN SELECT 1; END")
    conn.close()
    result = run_frozen("check", str(tampered))
    assert result.returncode == 1
    assert result.stdout.startswith("REFUSED:")


@pytest.mark.server
def test_publishes_and_reads_a_team_case_over_tls(server, run_frozen, sample_file: Path, tmp_path: Path) -> None:  # noqa: F811
    """libpq in the bundle does TLS with its own OpenSSL and verifies the server against a CA file."""
    address = with_tls(server.address("frozen"), "verify-full")
    result = run_frozen("publish", str(sample_file), address, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(69 records)" in result.stdout
    for source, name in ((address, "server.json"), (str(sample_file), "file.json")):
        result = run_frozen("export-json", source, "-o", str(tmp_path / name), cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "server.json").read_bytes() == (tmp_path / "file.json").read_bytes()
    # The certificate is checked, not merely accepted: under a name it does not carry, refused.
    wrong_name = with_tls(server.url, "verify-full", host="casefile-wrong-name.invalid", hostaddr="127.0.0.1")
    result = run_frozen("cases", wrong_name, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("casefile: Could not make a secure connection"), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_main_window_starts(run_frozen) -> None:
    """The GUI starts from the bundle (Qt's plugins survived the trimming) and closes cleanly."""
    result = run_frozen(extra_env={"CASEFILE_STARTUP_PROBE": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^main window shown after \d+\.\d\d s$", result.stdout, re.MULTILINE), result.stdout


def test_bundle_contents(bundle: Path) -> None:
    """What the spec promises to include and to leave out."""
    inside = internal_dir(bundle)
    everything = list(bundle.rglob("*"))
    files = [p for p in everything if p.is_file() and not p.is_symlink()]  # links point inside the bundle
    names = {p.name for p in everything}
    assert [p for p in everything if p.is_symlink() and not p.exists()] == []  # no links to left-out files
    resources = inside / "resources"
    assert (resources / "licenses" / "THIRD-PARTY-NOTICES.md").is_file()
    assert (resources / "licenses" / "LGPL-3.0.txt").is_file()
    packages = {p.name.split("-")[0] for p in (resources / "licenses" / "python-packages").iterdir()}
    assert {"Python", "reportlab", "SQLAlchemy", "uharfbuzz"} <= packages
    assert (inside / "db" / "sample" / "caisi-review.json").is_file()
    assert {"DejaVuSans.ttf", "wqy-microhei.ttc", "LICENSE-DejaVu.txt"} <= {
        p.name for p in (resources / "fonts").iterdir()
    }
    assert (resources / "icons" / "casefile.png").is_file()
    unused = re.compile(
        r"Qt6?(Network|Qml|Quick|WebEngine\w*|3D\w*|Multimedia|Designer|Pdf|Test|Sql)\b|qtbase_\w+\.qm|opengl32sw|"
        r"libqgtk3|libqvnc|libqeglfs|_tkinter|^_hashlib\."
    )
    assert sorted(n for n in names if unused.search(n)) == []
    # Two OpenSSLs, each for its own reason: libpq's (in psycopg_binary.libs) does a team
    # server's TLS, and Python's ssl, which psycopg imports when it loads (it will not load
    # without it), brings the one Python links. No third copy.
    with_libpq = {p.name for p in everything if p.parent.name == "psycopg_binary.libs"}
    assert {"libpq", "libssl", "libcrypto"} <= {re.split(r"[-.]", n)[0] for n in with_libpq}
    assert any(n.startswith("_ssl.") for n in names)
    openssl = re.compile(r"^lib(ssl|crypto)\b")
    outside = sorted(re.split(r"[-.]", n)[0] for n in names - with_libpq if openssl.match(n))
    assert outside in ([], ["libcrypto", "libssl"]), outside
    total = sum(p.stat().st_size for p in files) / 1e6
    # MB; a bare PySide6 bundle is 213 MB. Linux grew from 130 to 150 with team cases (psycopg's
    # libpq with OpenSSL and Kerberos, ~12 MB) and the Word packet (lxml.etree, python-docx, ~8 MB).
    budget = 150 if sys.platform.startswith("linux") else 220
    assert total < budget, f"the bundle grew to {total:.0f} MB"
