"""The size-trimming helpers in resources/packaging/bundle_tools.py: which Qt plugins and
libraries a bundle keeps, the ICU data subset, and the licence files it carries."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "resources" / "packaging"

sys.path.insert(0, str(PACKAGING))
import bundle_tools  # noqa: E402


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6\\plugins\\platforms\\qdirect2d.dll", False),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/styles/libqmacstyle.dylib", True),
        ("PySide6/plugins/styles/qmodernwindowsstyle.dll", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", False),
        ("PySide6/Qt/plugins/generic/libqtuiotouchplugin.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
    ],
)
def test_qt_plugin_rules(dest: str, kept: bool) -> None:
    assert bundle_tools.keep_qt_plugin(dest) is kept


def test_translations_and_windows_opengl_are_recognised() -> None:
    assert bundle_tools.is_qt_translation("PySide6/Qt/translations/qtbase_de.qm")
    assert bundle_tools.is_qt_translation("PySide6\\translations\\qtbase_fr.qm")
    assert not bundle_tools.is_qt_translation("resources/fonts/README.md")
    assert bundle_tools.is_windows_opengl_dll("PySide6/opengl32sw.dll")
    assert bundle_tools.is_windows_opengl_dll("PySide6\\d3dcompiler_47.dll")
    assert not bundle_tools.is_windows_opengl_dll("PySide6/Qt6OpenGL.dll")


def test_libraries_only_removed_plugins_needed_are_dropped() -> None:
    def entry(name: str) -> tuple[str, str, str]:
        return (f"lib/{name}", f"/src/{name}", "BINARY")

    graph = {
        "/src/vnc": ["/src/network", "/src/gui"],
        "/src/network": ["/src/krb5", "/src/core"],
        "/src/xcb": ["/src/gui", "/src/xcbqpa"],
        "/src/xcbqpa": ["/src/gui", "/src/cursor"],
        "/src/gui": ["/src/core"],
        "/src/ext": ["/src/core", "/src/krb5"],  # something we keep also needs krb5
        "/src/gtk": ["/src/cairo", None],
        "/src/cairo": ["/src/pixman"],
    }
    removed = [entry("vnc"), entry("gtk")]
    kept = [
        entry(n)
        for n in ("network", "krb5", "core", "xcb", "gui", "xcbqpa", "cursor", "ext", "cairo", "pixman", "opengl32sw")
    ]
    orphans = bundle_tools.unreferenced_after_removal(kept, removed, lambda path: graph.get(path, []))
    assert sorted(dest for dest, _src, _kind in orphans) == ["lib/cairo", "lib/network", "lib/pixman"]


def test_prune_qt_end_to_end_on_a_toc() -> None:
    binaries = [
        ("PySide6/Qt/plugins/platforms/libqvnc.so", "/q/libqvnc.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/q/libqxcb.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6Network.so.6", "/q/libQt6Network.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/q/libQt6Gui.so.6", "BINARY"),
        ("PySide6/opengl32sw.dll", "/q/opengl32sw.dll", "BINARY"),
    ]
    datas = [
        ("PySide6/Qt/translations/qtbase_de.qm", "/q/qtbase_de.qm", "DATA"),
        ("db/sample/x.json", "/x", "DATA"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
    ]
    graph = {"/q/libqvnc.so": ["/q/libQt6Network.so.6", "/q/libQt6Gui.so.6"], "/q/libqxcb.so": ["/q/libQt6Gui.so.6"]}
    kept, new_datas, dropped = bundle_tools.prune_qt(
        binaries, datas, windows=True, imports_of=lambda path: graph.get(path, [])
    )
    assert [dest for dest, _s, _k in kept] == [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
    ]
    assert new_datas == [
        ("db/sample/x.json", "/x", "DATA"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
    ]
    assert "PySide6/Qt/lib/libQt6Network.so.6" in dropped and "PySide6/opengl32sw.dll" in dropped


def test_core_libraries_are_never_dropped_as_orphans() -> None:
    """Even if the graph says only a removed plugin needs QtCore (imports resolved unevenly)."""
    binaries = [
        ("PySide6/Qt/plugins/generic/libqtuiotouchplugin.so", "/q/tuio.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/q/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Network.so.6", "/q/libQt6Network.so.6", "BINARY"),
        ("python311.dll", "/q/python311.dll", "BINARY"),
    ]
    graph = {"/q/tuio.so": ["/q/libQt6Core.so.6", "/q/libQt6Network.so.6", "/q/python311.dll"]}
    kept, _datas, dropped = bundle_tools.prune_qt(binaries, [], windows=False, imports_of=lambda p: graph.get(p, []))
    assert [dest for dest, _s, _k in kept] == ["PySide6/Qt/lib/libQt6Core.so.6", "python311.dll"]
    assert dropped == ["PySide6/Qt/lib/libQt6Network.so.6", "PySide6/Qt/plugins/generic/libqtuiotouchplugin.so"]


def test_links_and_framework_files_of_dropped_libraries_go_too() -> None:
    fw = "PySide6/Qt/lib/QtNetwork.framework"
    datas = [
        (f"{fw}/QtNetwork", "Versions/Current/QtNetwork", "SYMLINK"),
        (f"{fw}/Versions/Current", "A", "SYMLINK"),
        (f"{fw}/Resources/Info.plist", "/wheel/QtNetwork.framework/Resources/Info.plist", "DATA"),
        ("QtNetwork", f"{fw}/QtNetwork", "SYMLINK"),  # a link to a link
        ("PySide6/Qt/lib/QtCore.framework/QtCore", "Versions/Current/QtCore", "SYMLINK"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("resources/fonts/DejaVuSans.ttf", "/src/DejaVuSans.ttf", "DATA"),
    ]
    dropped = {f"{fw}/Versions/A/QtNetwork", "PySide6/Qt/lib/libQt6Network.so.6"}
    leftovers = bundle_tools.leftovers_of(datas, dropped)
    assert [dest for dest, _src, _kind in datas if (dest, _src, _kind) not in leftovers] == [
        "PySide6/Qt/lib/QtCore.framework/QtCore",
        "resources/fonts/DejaVuSans.ttf",
    ]


def fake_icu_blob() -> bytes:
    header = bytearray(32)
    struct.pack_into("<HBB", header, 0, 32, 0xDA, 0x27)
    header[8] = 0  # little-endian
    header[12:16] = b"CmnD"
    items = [
        ("icudt73l/coll/root.res", b"collation" * 3),
        ("icudt73l/coll/ucadata.icu", b"uca" * 7),
        ("icudt73l/de.res", b"german" * 5),
        ("icudt73l/en.res", b"english"),
        ("icudt73l/ibm-943_P15A-2003.cnv", b"sjis" * 9),
        ("icudt73l/pool.res", b"pool"),
        ("icudt73l/root.res", b"root" * 2),
    ]
    return bundle_tools.build_icu_common_data(bytes(header), items)


def test_icu_common_data_round_trip_and_subset() -> None:
    blob = fake_icu_blob()
    header, items = bundle_tools.parse_icu_common_data(blob)
    assert len(header) == 32
    assert [name for name, _data in items][:2] == ["icudt73l/coll/root.res", "icudt73l/coll/ucadata.icu"]
    assert items[3][1].startswith(b"english")  # items keep their bytes (plus alignment padding)
    subset, names = bundle_tools.subset_icu_common_data(blob)
    assert names == [
        f"icudt73l/{name}" for name in ("coll/root.res", "coll/ucadata.icu", "en.res", "pool.res", "root.res")
    ]
    _header, kept = bundle_tools.parse_icu_common_data(subset)
    assert [name for name, _d in kept] == names
    assert all(len(data) % 16 == 0 for _name, data in kept[:-1])
    with pytest.raises(ValueError, match="root locale"):
        bundle_tools.subset_icu_common_data(blob, keep=re.compile(r"^en\.res$"))
    with pytest.raises(ValueError, match="ICU common data"):
        bundle_tools.parse_icu_common_data(b"\0" * 64)


def test_trimmed_icu_library_from_the_installed_pyside6(tmp_path) -> None:
    """On Linux, the real libicudata shrinks from ~31 MB to ~2 MB and keeps the symbol ICU looks for."""
    import PySide6

    libraries = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not libraries or not bundle_tools.have_binutils():
        pytest.skip("needs PySide6's Linux wheel (which ships ICU) and binutils")
    library, old_size, new_size = bundle_tools.trim_icu_data(libraries[0], tmp_path)
    assert old_size > 20_000_000 and new_size < 3_000_000
    major = bundle_tools.ICU_DATA_LIBRARY.search(library.name)["major"]
    symbols = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, check=True)
    assert f"icudt{major}_dat" in symbols.stdout
    soname = subprocess.run(["objdump", "-p", str(library)], capture_output=True, text=True, check=True).stdout
    assert f"SONAME               {library.name}" in soname


def test_licence_files_of_bundled_distributions() -> None:
    pairs = bundle_tools.licence_files(["reportlab.platypus", "sqlalchemy.orm", "desktop.cli"], "licenses/pkgs")
    folders = {folder for _src, folder in pairs}
    assert any(folder.startswith("licenses/pkgs/reportlab-") for folder in folders)
    assert any(folder.startswith("licenses/pkgs/SQLAlchemy-") for folder in folders)
    assert all(Path(src).is_file() for src, _folder in pairs)
    assert bundle_tools.python_licence() is None or Path(bundle_tools.python_licence()).is_file()
