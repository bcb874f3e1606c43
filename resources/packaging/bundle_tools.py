"""Helpers for build.spec: keep the frozen app small and its licences complete.

Imported by ``build.spec`` (PyInstaller runs the spec with this folder on ``sys.path``) and
by ``tests/test_packaging.py``. Plain functions over PyInstaller's TOC lists (tuples of
``(dest_name, src_name, typecode)``), so each can be tested without a build.

- ``prune_qt``: drop Qt plugins a widgets app that opens no network connection never loads,
  Qt's translations (the app installs no QTranslator), and the libraries only those plugins
  needed (found by following link-time imports, not by a name list).
- ``trim_icu_data`` (Linux): PySide6's Linux wheel links Qt against ICU 73 and its 31 MB
  ``libicudata``. Qt uses ICU only for collation, time-zone names, legacy text codecs and
  case mapping; this rebuilds ``libicudata`` with just the root and English data those need
  (about 2 MB). Other locales fall back to the root collation, which sorts every script
  sensibly. Windows and macOS wheels do not ship ICU.
- ``licence_files``: the licence files of every Python distribution actually bundled.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import posixpath
import re
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

log = logging.getLogger("casefile.build")

TocEntry = tuple[str, str, str]

# ----- Qt plugins and translations -----------------------------------------------------------

# Per plugin type: None drops the whole type; a set keeps only those plugins (by stem without
# "lib" prefix and extension). Types not listed are kept whole (styles, iconengines,
# platforminputcontexts for input methods, accessiblebridge for screen readers, the
# xcb/wayland integrations).
QT_PLUGIN_RULES: dict[str, set[str] | None] = {
    # Desktop windowing only (plus offscreen/minimal for headless runs): no embedded EGLFS,
    # framebuffer, VNC (which pulls in QtNetwork) or Vulkan-display back ends.
    "platforms": {"qxcb", "qwayland", "qoffscreen", "qminimal", "qwindows", "qcocoa"},
    # The GTK theme drags in GTK's whole stack (cairo, pango, gdk-pixbuf, atk); Qt's own
    # Fusion style and the XDG desktop portal remain.
    "platformthemes": {"qxdgdesktopportal"},
    # The toolbar and sidebar icons are SVGs drawn by this plugin (it also serves icon themes).
    "imageformats": {"qsvg"},
    # evdev/tslib/TUIO input for kiosks; TUIO pulls in QtNetwork.
    "generic": None,
    # Embedded (EGLFS) display back ends.
    "egldeviceintegrations": None,
    # Only there for QtNetwork, which the app does not use.
    "tls": None,
    "networkinformation": None,
}
# Collected by PyInstaller's Qt hooks on Windows for OpenGL programs (software OpenGL and the
# ANGLE/D3D shader compiler, 25 MB). A widgets app paints with the raster engine and never
# creates an OpenGL context.
WINDOWS_OPENGL_DLLS = re.compile(r"^(opengl32sw|d3dcompiler_\d+|libEGL|libGLESv2)\.dll$", re.IGNORECASE)

# Never dropped as "only needed by a removed plugin", whatever the import graph says: a
# guard for platforms where a library's imports resolve differently (macOS @rpath).
NEVER_ORPHANED = re.compile(r"(^|/)(lib)?(Qt6?(Core|Gui|Widgets|DBus)|python3\d*|Python)\b", re.IGNORECASE)

_PLUGIN_PATH = re.compile(r"(?:^|/)PySide6/(?:Qt/)?plugins/(?P<type>[^/]+)/(?P<file>[^/]+)$")
_TRANSLATION_PATH = re.compile(r"(?:^|/)PySide6/(?:Qt/)?translations/[^/]+\.qm$")


def _posix(dest: str) -> str:
    """TOC names use the platform's separator; match them with forward slashes everywhere."""
    return dest.replace("\\", "/")


def plugin_stem(filename: str) -> str:
    """``libqxcb.so`` -> ``qxcb``; ``qwindows.dll`` -> ``qwindows``; ``libqcocoa.dylib`` -> ``qcocoa``."""
    stem = filename.split(".", 1)[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_qt_plugin(dest_name: str) -> bool:
    """True unless ``dest_name`` is a Qt plugin that ``QT_PLUGIN_RULES`` drops."""
    match = _PLUGIN_PATH.search(_posix(dest_name))
    if not match:
        return True
    kind = match["type"]
    if kind not in QT_PLUGIN_RULES:
        return True
    allowed = QT_PLUGIN_RULES[kind]
    return allowed is not None and plugin_stem(match["file"]) in allowed


def is_qt_translation(dest_name: str) -> bool:
    """True for Qt's own ``.qm`` translation catalogues."""
    return bool(_TRANSLATION_PATH.search(_posix(dest_name)))


def is_windows_opengl_dll(dest_name: str) -> bool:
    """True for the software-OpenGL and ANGLE DLLs only OpenGL programs need."""
    return bool(WINDOWS_OPENGL_DLLS.match(PurePosixPath(_posix(dest_name)).name))


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.realpath(path))


def unreferenced_after_removal(
    binaries: list[TocEntry],
    removed: list[TocEntry],
    imports_of: Callable[[str], Iterable[str | None]],
) -> list[TocEntry]:
    """Libraries in ``binaries`` that only the ``removed`` entries needed.

    ``imports_of(src)`` gives the resolved paths a binary links against. A library stays if
    anything still bundled that the removed entries did not bring in needs it, directly or
    through other libraries; so a library PyInstaller collected for its own sake stays.
    """
    by_path = {_real(src): (dest, src, kind) for dest, src, kind in binaries}
    cache: dict[str, set[str]] = {}

    def deps(path: str) -> set[str]:
        if path not in cache:
            try:
                found = imports_of(path)
            except Exception as exc:  # unreadable binary: treat as needing nothing more
                log.debug("could not read the imports of %s: %s", path, exc)
                found = []
            cache[path] = {_real(p) for p in found if p}
        return cache[path]

    def reach(start: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = [p for p in start]
        while todo:
            path = todo.pop()
            for dep in deps(path):
                if dep in by_path and dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    candidates = reach(_real(src) for _dest, src, _kind in removed) - {_real(s) for _d, s, _k in removed}
    roots = [path for path in by_path if path not in candidates]
    still_needed = reach(roots)
    return [by_path[path] for path in sorted(candidates - still_needed)]


def _framework_root(dest: str) -> str | None:
    """``PySide6/Qt/lib/QtNetwork.framework/`` for any path inside that macOS framework."""
    match = re.search(r"^(.*?\.framework/)", dest)
    return match.group(1) if match else None


def leftovers_of(datas: list[TocEntry], dropped: set[str]) -> list[TocEntry]:
    """Entries in ``datas`` that only make sense with the ``dropped`` binaries.

    Symbolic links to them (PyInstaller links each Qt library into the top folder, and macOS
    frameworks are mostly links), links to those links, and the rest of a dropped macOS
    framework (its Info.plist and version links).
    """
    gone = {_posix(d) for d in dropped}
    frameworks = {root for root in map(_framework_root, gone) if root}
    leftovers: list[TocEntry] = []
    changed = True
    while changed:
        changed = False
        for entry in datas:
            dest, src, kind = entry
            if entry in leftovers:
                continue
            name = _posix(dest)
            inside_framework = any(name.startswith(root) for root in frameworks)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), _posix(src)))
            if inside_framework or (kind == "SYMLINK" and target in gone):
                leftovers.append(entry)
                gone.add(name)
                changed = True
    return leftovers


def prune_qt(
    binaries: list[TocEntry],
    datas: list[TocEntry],
    *,
    windows: bool,
    imports_of: Callable[[str], Iterable[str | None]] | None = None,
) -> tuple[list[TocEntry], list[TocEntry], list[str]]:
    """Drop unused Qt plugins, the libraries only they needed, links to those, and Qt's translations.

    Returns the new binaries, the new datas and the dest names dropped (for the build log).
    """
    removed = [e for e in binaries if not keep_qt_plugin(e[0]) or (windows and is_windows_opengl_dll(e[0]))]
    kept = [e for e in binaries if e not in removed]
    if imports_of is None:
        from PyInstaller.depend import bindepend

        def imports_of(path: str) -> list[str | None]:
            return [full for _name, full in bindepend.get_imports(path)]

    orphans = [
        e for e in unreferenced_after_removal(kept, removed, imports_of) if not NEVER_ORPHANED.search(_posix(e[0]))
    ]
    kept = [e for e in kept if e not in orphans]
    dropped_binaries = {e[0] for e in removed + orphans}
    translations = [e for e in datas if is_qt_translation(e[0])]
    leftovers = leftovers_of(datas, dropped_binaries)
    new_datas = [e for e in datas if e not in translations and e not in leftovers]
    dropped = sorted(dropped_binaries | {e[0] for e in translations + leftovers})
    return kept, new_datas, dropped


# ----- ICU data (Linux) ----------------------------------------------------------------------

ICU_DATA_LIBRARY = re.compile(r"(?:^|/)libicudata\.so\.(?P<major>\d+)$")
# Items kept from ICU's common data (names under "icudtNNl/"): locale root and English, the
# resource index and key pool every bundle needs, collation (root rules and the UCA table),
# time-zone data and English zone names, the converter alias table and windows-1252.
ICU_KEEP = re.compile(
    r"^(?:(?:coll|zone)/)?(?:root|en|en_US|en_US_POSIX|res_index|pool)\.res$"
    r"|^coll/ucadata\.icu$"
    r"|^(?:likelySubtags|supplementalData|zoneinfo64|metaZones|timezoneTypes|windowsZones)\.res$"
    r"|^cnvalias\.icu$|^ibm-5348_P100-1997\.cnv$"
)
_ICU_MAGIC = b"\xda\x27"
_ICU_COMMON_FORMAT = b"CmnD"


def parse_icu_common_data(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Split ICU common data (the ``icudtNN_dat`` blob) into its header and named items."""
    (header_size,) = struct.unpack_from("<H", blob, 0)
    if blob[2:4] != _ICU_MAGIC or blob[12:16] != _ICU_COMMON_FORMAT or blob[8] != 0:
        raise ValueError("not little-endian ICU common data")
    (count,) = struct.unpack_from("<I", blob, header_size)
    toc = header_size
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    items: list[tuple[str, bytes]] = []
    for index, (name_offset, data_offset) in enumerate(entries):
        end_name = blob.index(b"\0", toc + name_offset)
        name = blob[toc + name_offset : end_name].decode("ascii")
        end = toc + entries[index + 1][1] if index + 1 < count else len(blob)
        items.append((name, blob[toc + data_offset : end]))
    return blob[:header_size], items


def build_icu_common_data(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The inverse of ``parse_icu_common_data``: a ToC (names in the given, sorted order) and items."""

    def pad(n: int) -> int:
        return (n + 15) & ~15

    names = b"".join(name.encode("ascii") + b"\0" for name, _data in items)
    toc_size = 4 + 8 * len(items)
    first_item = pad(len(header) + toc_size + len(names)) - len(header)
    entries, body, name_at, data_at = [], b"", toc_size, first_item
    for name, data in items:
        entries.append(struct.pack("<II", name_at, data_at))
        name_at += len(name) + 1
        chunk = data + b"\0" * (pad(len(data)) - len(data))
        body += chunk
        data_at += len(chunk)
    toc = struct.pack("<I", len(items)) + b"".join(entries) + names
    return header + toc + b"\0" * (first_item - toc_size - len(names)) + body


def subset_icu_common_data(blob: bytes, keep: re.Pattern[str] = ICU_KEEP) -> tuple[bytes, list[str]]:
    """ICU common data with only the items whose name (without the ``icudtNNl/`` prefix) ``keep`` matches."""
    header, items = parse_icu_common_data(blob)
    chosen = [(name, data) for name, data in items if keep.search(name.split("/", 1)[-1])]
    if not any(name.endswith("/root.res") for name, _data in chosen):
        raise ValueError("the subset lost the root locale")
    return build_icu_common_data(header, chosen), [name for name, _data in chosen]


def _icu_symbol(library: Path, major: str) -> tuple[int, int]:
    """File offset and size of ``icudtNN_dat`` in a libicudata shared library (via binutils nm)."""
    symbol = f"icudt{major}_dat"
    out = subprocess.run(
        ["nm", "-D", "--defined-only", "-S", str(library)], check=True, capture_output=True, text=True
    ).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == symbol:
            address, size = int(parts[0], 16), int(parts[1], 16)
            break
    else:
        raise ValueError(f"{library.name} does not define {symbol}")
    raw = library.read_bytes()
    # The symbol's address is its file offset in the libraries Qt ships (one load segment at 0);
    # check that, and otherwise find the data by its header.
    if raw[address + 2 : address + 4] == _ICU_MAGIC and raw[address + 12 : address + 16] == _ICU_COMMON_FORMAT:
        return address, size
    at = raw.find(_ICU_COMMON_FORMAT)
    while at >= 0:
        start = at - 12
        if start >= 0 and raw[start + 2 : start + 4] == _ICU_MAGIC:
            return start, size
        at = raw.find(_ICU_COMMON_FORMAT, at + 1)
    raise ValueError(f"no ICU common data found in {library.name}")


def trim_icu_data(library: Path, folder: Path) -> tuple[Path, int, int]:
    """Write a small ``libicudataNN`` with the subset of ``library``'s data into ``folder``.

    Returns the new library, the old and the new data size. Needs binutils (nm, as, ld),
    which PyInstaller needs on Linux anyway.
    """
    match = ICU_DATA_LIBRARY.search(library.name)
    if not match:
        raise ValueError(f"{library.name} is not an ICU data library")
    major = match["major"]
    offset, size = _icu_symbol(library, major)
    blob = library.read_bytes()[offset : offset + size]
    subset, _names = subset_icu_common_data(blob)
    folder.mkdir(parents=True, exist_ok=True)
    data_file = folder / f"icudt{major}l.dat"
    data_file.write_bytes(subset)
    source = folder / "icudata.s"
    source.write_text(
        f"""\t.section .rodata
\t.globl icudt{major}_dat
\t.type icudt{major}_dat, @object
\t.balign 16
icudt{major}_dat:
\t.incbin "{data_file.name}"
\t.size icudt{major}_dat, . - icudt{major}_dat
\t.section .note.GNU-stack,"",@progbits
""",
        encoding="ascii",
    )
    target = folder / library.name
    subprocess.run(["as", "-o", "icudata.o", source.name], cwd=folder, check=True)
    subprocess.run(
        ["ld", "-shared", "-soname", library.name, "-z", "noexecstack", "-o", target.name, "icudata.o"],
        cwd=folder,
        check=True,
    )
    return target, size, len(subset)


def replace_icu_data(binaries: list[TocEntry], workpath: Path) -> tuple[list[TocEntry], str]:
    """Swap the bundled libicudata for the trimmed one; return the new TOC and a note for the log."""
    result = []
    note = "no ICU data library bundled"
    for dest, src, kind in binaries:
        if ICU_DATA_LIBRARY.search(_posix(dest)):
            new_src, old_size, new_size = trim_icu_data(Path(src), workpath / "icu")
            note = f"ICU data trimmed from {old_size / 1e6:.1f} MB to {new_size / 1e6:.1f} MB"
            result.append((dest, str(new_src), kind))
        else:
            result.append((dest, src, kind))
    return result, note


# ----- licences ------------------------------------------------------------------------------

_LICENCE_NAME = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*$", re.IGNORECASE)


def bundled_distributions(module_names: Iterable[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions that provide the given (bundled) modules."""
    providers = importlib.metadata.packages_distributions()
    names = sorted({dist for module in module_names for dist in providers.get(module.split(".")[0], [])})
    found = []
    for name in names:
        try:
            found.append(importlib.metadata.distribution(name))
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def licence_files(module_names: Iterable[str], dest_root: str) -> list[tuple[str, str]]:
    """``(source, dest folder)`` pairs for the licence files of every bundled distribution.

    Each distribution's files go to ``dest_root/<name>-<version>/``, e.g.
    ``resources/licenses/python-packages/reportlab-4.2.5/LICENSE``.
    """
    pairs = []
    for dist in bundled_distributions(module_names):
        folder = f"{dest_root}/{dist.metadata['Name']}-{dist.version}"
        for file in dist.files or []:
            if _LICENCE_NAME.search(str(file)):
                path = Path(str(file.locate()))
                if path.is_file():
                    pairs.append((str(path), folder))
    return pairs


def python_licence() -> str | None:
    """CPython's own LICENSE.txt, where this Python installation keeps it."""
    import sys
    import sysconfig

    for candidate in (
        Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt",
        Path(sys.base_prefix) / "LICENSE.txt",
    ):
        if candidate.is_file():
            return str(candidate)
    return None


def have_binutils() -> bool:
    """True when nm, as and ld are on PATH (needed to trim the ICU data)."""
    return all(shutil.which(tool) for tool in ("nm", "as", "ld"))
