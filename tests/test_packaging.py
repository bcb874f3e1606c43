"""Packaging files are consistent without building anything: build.spec (run against stand-in
PyInstaller classes on each platform), the Inno Setup script, the entitlements, the DMG script,
the release workflow and the icons (the size-trimming helpers: test_packaging_bundle_tools.py)."""

from __future__ import annotations

import ast
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from PIL import Image

import desktop

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "resources" / "packaging"
SPEC = ROOT / "build.spec"
ISS = PACKAGING / "casefile.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"

sys.path.insert(0, str(PACKAGING))

# ----- build.spec, run with stand-ins for PyInstaller's classes ---------------------------------


class Recorder:
    """Stands in for Analysis, PYZ, EXE, COLLECT and BUNDLE: records how the spec called it."""

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]]

    def __init__(self, kind: str, calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]]) -> None:
        self.kind, self.calls = kind, calls

    def __call__(self, *args: Any, **kwargs: Any) -> SimpleNamespace:
        self.calls.append((self.kind, args, kwargs))
        return SimpleNamespace(kind=self.kind, args=args, kwargs=kwargs, binaries=[], datas=[], pure=[], scripts=[])


def run_spec(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, platform: str, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, list[SimpleNamespace]]]:
    """Execute build.spec as PyInstaller would, on ``platform``; return its namespace and the calls by kind."""
    for name in ("CASEFILE_CODESIGN_IDENTITY", "CASEFILE_TARGET_ARCH", "CASEFILE_KEEP_ICU"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
    namespace: dict[str, Any] = {
        "SPECPATH": str(ROOT),
        "SPEC": str(SPEC),
        "specnm": "build",
        "workpath": str(tmp_path / "build"),
        "DISTPATH": str(tmp_path / "dist"),
        **{kind: Recorder(kind, calls) for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")},
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    by_kind: dict[str, list[SimpleNamespace]] = {}
    for kind, args, kwargs in calls:
        by_kind.setdefault(kind, []).append(SimpleNamespace(args=args, kwargs=kwargs))
    return namespace, by_kind


def test_spec_reads_name_id_and_version_from_the_package(monkeypatch, tmp_path) -> None:
    namespace, _calls = run_spec(monkeypatch, tmp_path, "linux")
    info = namespace["package_info"]()
    assert info["__version__"] == desktop.__version__
    assert info["APP_ID"] == desktop.APP_ID
    assert info["APP_NAME"] == desktop.APP_NAME
    text = SPEC.read_text(encoding="utf-8")
    assert f'"{desktop.__version__}"' not in text and desktop.APP_ID not in text
    # A changed version in the package is what the spec reports.
    fake = tmp_path / "__init__.py"
    fake.write_text('__version__ = "2.5.1rc2"\nAPP_NAME = "Casefile"\nAPP_ID = "x.y"\nORG_NAME = "O"\n')
    assert namespace["package_info"](fake)["__version__"] == "2.5.1rc2"
    assert namespace["version_tuple"]("2.5.1rc2") == (2, 5, 1, 0)
    assert namespace["version_tuple"]("3") == (3, 0, 0, 0)


def test_spec_on_macos_builds_a_signed_app_bundle_with_the_document_type(monkeypatch, tmp_path) -> None:
    env = {
        "CASEFILE_CODESIGN_IDENTITY": "Developer ID Application: Example (ABCDE12345)",
        "CASEFILE_TARGET_ARCH": "arm64",
    }
    _ns, calls = run_spec(monkeypatch, tmp_path, "darwin", env)
    (exe,) = calls["EXE"]
    assert exe.kwargs["exclude_binaries"] is True  # one-dir inside the .app, never one-file
    assert exe.kwargs["console"] is False
    assert exe.kwargs["codesign_identity"] == env["CASEFILE_CODESIGN_IDENTITY"]
    assert exe.kwargs["target_arch"] == "arm64"
    assert Path(exe.kwargs["entitlements_file"]) == PACKAGING / "entitlements.plist"
    assert exe.kwargs["icon"].endswith("casefile.icns") and Path(exe.kwargs["icon"]).is_file()
    (bundle,) = calls["BUNDLE"]
    assert bundle.kwargs["name"] == "Casefile.app"
    assert bundle.kwargs["bundle_identifier"] == desktop.APP_ID
    assert bundle.kwargs["version"] == desktop.__version__
    plist = bundle.kwargs["info_plist"]
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == desktop.__version__
    assert plist["NSHighResolutionCapable"] is True
    assert plist["LSMinimumSystemVersion"] == "13.0"
    doc_type, link_type = plist["CFBundleDocumentTypes"]
    uti, link_uti = plist["UTExportedTypeDeclarations"]
    assert doc_type["LSItemContentTypes"] == [uti["UTTypeIdentifier"]] == ["org.casefile.casefile"]
    assert doc_type["CFBundleTypeRole"] == "Editor" and doc_type["LSHandlerRank"] == "Owner"
    assert uti["UTTypeTagSpecification"]["public.filename-extension"] == ["casefile"]
    assert "public.data" in uti["UTTypeConformsTo"]
    # A team case's .casefile-link file opens in the app too, as its own type.
    assert link_type["LSItemContentTypes"] == [link_uti["UTTypeIdentifier"]] == ["org.casefile.casefile-link"]
    assert (link_type["CFBundleTypeRole"], link_type["LSHandlerRank"]) == ("Editor", "Owner")
    assert link_uti["UTTypeTagSpecification"]["public.filename-extension"] == ["casefile-link"]
    assert link_type["CFBundleTypeIconFile"] == link_uti["UTTypeIconFile"] == "casefile-document.icns"
    plistlib.dumps(plist)  # everything in it is plist-serialisable
    # The document icon lands in Contents/Resources, where CFBundleTypeIconFile looks.
    (analysis,) = calls["Analysis"]
    assert (str(ROOT / "resources/icons/casefile-document.icns"), ".") in analysis.kwargs["datas"]
    assert doc_type["CFBundleTypeIconFile"] == uti["UTTypeIconFile"] == "casefile-document.icns"


def test_spec_unsigned_without_identity(monkeypatch, tmp_path) -> None:
    _ns, calls = run_spec(monkeypatch, tmp_path, "darwin")
    assert calls["EXE"][0].kwargs["codesign_identity"] is None
    assert calls["EXE"][0].kwargs["target_arch"] is None  # PyInstaller then builds for this machine


def test_spec_on_windows_builds_a_windowed_app_and_a_console_twin(monkeypatch, tmp_path) -> None:
    namespace, calls = run_spec(monkeypatch, tmp_path, "win32")
    gui, cli = calls["EXE"]
    assert (gui.kwargs["name"], gui.kwargs["console"]) == ("Casefile", False)
    assert (cli.kwargs["name"], cli.kwargs["console"]) == ("casefile-cli", True)
    assert gui.args[0] is cli.args[0]  # one analysis, one PYZ, one set of libraries
    for exe, description in ((gui, "Casefile"), (cli, "Casefile command line")):
        assert exe.kwargs["icon"].endswith("casefile.ico") and Path(exe.kwargs["icon"]).is_file()
        assert exe.kwargs["contents_directory"] == "_internal"
        version_text = Path(exe.kwargs["version"]).read_text(encoding="utf-8")
        numbers = namespace["version_tuple"](desktop.__version__)
        assert f"filevers={numbers}" in version_text
        assert f"StringStruct('ProductVersion', '{desktop.__version__}')" in version_text
        assert f"StringStruct('FileDescription', '{description}')" in version_text
        assert f"StringStruct('OriginalFilename', '{exe.kwargs['name']}.exe')" in version_text
    (collect,) = calls["COLLECT"]
    assert collect.kwargs["name"] == "Casefile"
    assert "BUNDLE" not in calls
    (analysis,) = calls["Analysis"]
    assert (str(ROOT / "resources/icons/casefile-document.ico"), "resources/icons") in analysis.kwargs["datas"]


def test_spec_on_linux_builds_one_dir_casefile(monkeypatch, tmp_path) -> None:
    _ns, calls = run_spec(monkeypatch, tmp_path, "linux")
    (exe,) = calls["EXE"]
    assert exe.kwargs["name"] == "casefile" and exe.kwargs["console"] is True
    assert exe.kwargs["exclude_binaries"] is True
    assert calls["COLLECT"][0].kwargs["strip"] is True
    assert "BUNDLE" not in calls


def test_spec_data_files_and_migrations(monkeypatch, tmp_path) -> None:
    _ns, calls = run_spec(monkeypatch, tmp_path, "linux")
    analysis = calls["Analysis"][0].kwargs
    datas = dict((Path(src).relative_to(ROOT).as_posix(), dest) for src, dest in analysis["datas"])
    assert datas["resources/fonts"] == "resources/fonts"
    assert datas["resources/icons/casefile.png"] == "resources/icons"
    assert datas["resources/icons/ui"] == "resources/icons/ui"
    assert datas["resources/licenses"] == "resources/licenses"
    assert datas["db/sample/caisi-review.json"] == "db/sample"
    for src in datas:
        assert (ROOT / src).exists(), src
    steps = sorted(p.stem for p in (ROOT / "db" / "sqlite" / "migrations").glob("m[0-9]*.py"))
    assert steps, "no migration modules found"
    assert sorted(analysis["hiddenimports"]) == [f"db.sqlite.migrations.{s}" for s in steps]
    (script,) = calls["Analysis"][0].args[0]
    assert Path(script) == ROOT / "resources" / "packaging" / "casefile_launcher.py"


def test_spec_excludes_unused_qt_and_tools_but_nothing_the_app_imports(monkeypatch, tmp_path) -> None:
    namespace, _calls = run_spec(monkeypatch, tmp_path, "linux")
    excludes = set(namespace["EXCLUDES"])
    for name in ("PySide6.QtWebEngineCore", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.Qt3DCore",
                 "PySide6.QtMultimedia", "PySide6.QtNetwork", "PySide6.QtTest", "tkinter", "unittest",
                 "pydoc", "pytest", "hypothesis", "pypdf", "PyInstaller"):  # fmt: skip
        assert name in excludes, name
    assert not {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PIL", "PIL.Image"} & excludes
    # Import every module of the app (as the frozen app may) and see that none is excluded.
    # _hashlib is only tried by hashlib, which falls back without it. ssl is not optional:
    # psycopg imports it when it loads.
    code = (
        "import importlib, pkgutil, sys, desktop, db\n"
        "for pkg in (desktop, db):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(result.stdout.split())
    optional = {"_hashlib"}
    clashes = sorted(m for m in loaded - optional if any(m == e or m.startswith(e + ".") for e in excludes))
    assert clashes == []


# ----- Windows installer ------------------------------------------------------------------------


def iss_text() -> str:
    return ISS.read_text(encoding="utf-8")


def iss_code() -> str:
    """The script without its comments."""
    return "\n".join(line for line in iss_text().splitlines() if not line.lstrip().startswith(";"))


def iss_setup() -> dict[str, str]:
    section, values = None, {}
    for line in iss_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Setup]" and "=" in line and not line.startswith(";"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def test_installer_is_per_user_without_admin_rights() -> None:
    setup = iss_setup()
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"] in (r"{autopf}\{#AppName}", r"{userpf}\{#AppName}")
    assert re.fullmatch(r"\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["AppVersion"] == "{#AppVersion}"  # passed in by the workflow, never written here
    assert "#error" in iss_code() and desktop.__version__ not in iss_code()
    assert setup["ChangesAssociations"] == "yes"
    assert (PACKAGING / setup["SetupIconFile"].replace("\\", "/")).resolve() == ROOT / "resources/icons/casefile.ico"


def test_installer_associates_casefile_documents_with_the_app_and_icon(monkeypatch, tmp_path) -> None:
    text = iss_text()
    registry = [line for line in text.splitlines() if line.startswith("Root: HKA;")]
    assert any(r'Subkey: "Software\Classes\.casefile"' in line and '"{#ProgId}"' in line for line in registry)
    assert any(r"shell\open\command" in line and '""%1""' in line and "{#AppExe}" in line for line in registry)
    assert any(r"\DefaultIcon" in line and "{#DocIcon},0" in line for line in registry)
    assert all("uninsdelete" in line for line in registry if 'ValueName: ""' in line and '.casefile"' in line)
    for extension, prog_id in ((".casefile", "{#ProgId}"), (".casefile-link", "{#LinkProgId}")):
        assert any(f'Subkey: "Software\\Classes\\{extension}"' in line and f'"{prog_id}"' in line for line in registry)
        opens = [line for line in registry if f"{prog_id}\\shell\\open\\command" in line]
        assert len(opens) == 1 and '""{app}\\{#AppExe}"" ""%1""' in opens[0], extension
        assert any(f"{prog_id}\\DefaultIcon" in line and "{#DocIcon},0" in line for line in registry)
    assert "[Icons]" in text and "{autoprograms}" in text
    # The names and paths the script uses are the ones the spec produces on Windows.
    defines = dict(re.findall(r'#define (\w+) "([^"]*)"', text))
    _ns, calls = run_spec(monkeypatch, tmp_path, "win32")
    gui, cli = calls["EXE"]
    assert defines["AppExe"] == gui.kwargs["name"] + ".exe"
    assert defines["CliExe"] == cli.kwargs["name"] + ".exe"
    doc_icon = defines["DocIcon"].replace("{app}\\", "").replace("\\", "/")
    assert doc_icon == f"{gui.kwargs['contents_directory']}/resources/icons/casefile-document.ico"


def test_uninstall_removes_only_what_it_installed() -> None:
    text = iss_code()
    assert "[UninstallDelete]" not in text
    assert "[UninstallRun]" not in text
    for folder in ("{localappdata}", "{userappdata}", "{userdocs}", "{commondocs}"):
        assert folder not in text, folder


# ----- macOS: entitlements and disk image -------------------------------------------------------


def test_entitlements_plist_is_minimal_hardened_runtime() -> None:
    entitlements = plistlib.loads((PACKAGING / "entitlements.plist").read_bytes())
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}


def test_dmg_script() -> None:
    script = PACKAGING / "make_dmg.sh"
    assert script.stat().st_mode & 0o111, "make_dmg.sh must be executable"
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text(encoding="utf-8")
    assert "hdiutil create" in text
    assert 'ln -s /Applications "$staging/Applications"' in text
    assert 'codesign --force --sign "$CASEFILE_CODESIGN_IDENTITY"' in text
    assert "CFBundleShortVersionString" in text  # the version comes from the built app


# ----- release workflow -------------------------------------------------------------------------


def workflow() -> dict[str, Any]:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def run_lines(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) + " " + str(step.get("uses", "")) for step in job["steps"])


def test_workflow_runs_on_version_tags_for_windows_and_both_macs() -> None:
    doc = workflow()
    triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare "on" as true
    assert triggers["push"]["tags"] == ["v*"]
    build = doc["jobs"]["build"]
    assert build["runs-on"] == "${{ matrix.os }}"
    oses = [entry["os"] for entry in build["strategy"]["matrix"]["include"]]
    assert oses == ["windows-latest", "macos-14", "macos-15-intel"]  # Windows, Apple silicon, Intel


def test_workflow_tests_builds_self_tests_packages_and_uploads() -> None:
    build = workflow()["jobs"]["build"]
    steps = build["steps"]
    text = run_lines(build)
    setup_python = next(step for step in steps if str(step.get("uses", "")).startswith("actions/setup-python@"))
    assert setup_python["with"]["python-version"] == "3.11"
    assert 'pip install -e ".[test,build]"' in text
    assert build["env"]["QT_QPA_PLATFORM"] == "offscreen"

    def index(fragment: str) -> int:
        return next(
            i for i, step in enumerate(steps) if fragment in str(step.get("run", "")) + str(step.get("uses", ""))
        )

    order = [
        index('python -m pytest -q -m "not server" --deselect tests/test_frozen_app.py'),
        index("pyinstaller --noconfirm --clean build.spec"),
        index("--self-test"),
        index('-m "slow and not server" tests/test_frozen_app.py'),
        index(r"resources\packaging\casefile.iss"),
        index("make_dmg.sh"),
        index("actions/upload-artifact@"),
    ]
    assert order == sorted(order)
    iscc = steps[index("casefile.iss")]
    assert iscc["if"] == "runner.os == 'Windows'" and "/DAppVersion=" in iscc["run"]
    assert steps[index("make_dmg.sh")]["if"] == "runner.os == 'macOS'"
    upload = steps[index("actions/upload-artifact@")]
    assert "dist/*-setup.exe" in upload["with"]["path"] and "dist/*.dmg" in upload["with"]["path"]
    assert upload["with"]["if-no-files-found"] == "error"
    assert "notarytool submit" in text and "stapler staple" in text


def test_workflow_attaches_installers_to_a_release_for_tags_only() -> None:
    doc = workflow()
    assert doc["permissions"] == {"contents": "read"}
    release = doc["jobs"]["release"]
    assert release["needs"] == "build"
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["permissions"] == {"contents": "write"}
    text = run_lines(release)
    assert "actions/download-artifact@" in text and "gh release" in text and "SHA256SUMS" in text
    for job in doc["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"actions/[\w-]+@v\d+", step["uses"]), step["uses"]


# ----- pyproject extras, icons, docs ------------------------------------------------------------


def test_pyinstaller_is_in_the_build_and_test_extras() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    for extra in ("build", "test"):
        assert any(req.lower().startswith("pyinstaller") for req in extras[extra]), extra
    assert any(req.lower().startswith("pyyaml") for req in extras["test"])


def test_icons_exist_in_every_format_and_size() -> None:
    icons = ROOT / "resources" / "icons"
    png = Image.open(icons / "casefile.png")
    assert png.size == (512, 512) and png.mode == "RGBA"
    assert png.getpixel((0, 0))[3] == 0  # transparent corners
    for name in ("casefile.ico", "casefile-document.ico"):
        ico = Image.open(icons / name)
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"]), name
    for name in ("casefile.icns", "casefile-document.icns"):
        data = (icons / name).read_bytes()
        assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
        assert max(Image.open(icons / name).info["sizes"]) >= (512, 512, 2), name


def test_packaging_doc_reports_size_and_startup() -> None:
    text = (ROOT / "docs" / "packaging.md").read_text(encoding="utf-8")
    assert re.search(r"\d+ MB", text) and "compressed" in text
    assert "CASEFILE_STARTUP_PROBE" in text and re.search(r"\d\.\d+ s", text)
    for command in ("pyinstaller build.spec", "iscc", "make_dmg.sh", "notarytool submit", "stapler staple"):
        assert command in text, command


def test_readme_has_installing_and_building_sections() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n## Installing\n" in text and "\n## Building installers\n" in text


def test_spec_is_valid_python() -> None:
    ast.parse(SPEC.read_text(encoding="utf-8"))
