"""The banner shown over the case once an export is written: where it went, what to check, and
Open / Show in Folder. The PDF packet and the Word document offer the same."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .views.banner import Banner


def show_written(
    window: MainWindow,
    old: Banner | None,
    headline: str,
    warnings: Sequence[str],
    accessible_name: str,
    open_it: Callable[[], None],
    show_it: Callable[[], None],
) -> Banner | None:
    """Replace ``old`` with a banner saying ``headline`` and up to three ``warnings``; return it
    (None when no case is shown). It waits while the staffer goes on working."""
    from PySide6.QtCore import Qt

    drop_written(window, old)
    view = window.case_view
    if view is None:
        return None
    text = headline
    if warnings:
        listed = "\n".join(f"• {w}" for w in warnings[:3])
        more = f"\n• … and {len(warnings) - 3} more" if len(warnings) > 3 else ""
        text += f"\nWorth checking before it goes out:\n{listed}{more}"
    banner = view.add_banner(text, "warning" if warnings else "info")
    banner.setAccessibleName(accessible_name)
    banner.label.setTextFormat(Qt.TextFormat.PlainText)  # titles and quotes are never markup
    if len(warnings) > 3:
        banner.label.setToolTip("\n".join(warnings))
    # Mnemonics (Alt+O, Alt+D): the keyboard reaches them without leaving the list it is in.
    banner.add_button("&Open").clicked.connect(open_it)
    banner.add_button("Show in Fol&der").clicked.connect(show_it)
    banner.show()  # at once, not when the layout gets round to it: the offer is there as the status says so
    return banner


def drop_written(window: MainWindow, old: Banner | None) -> None:
    """Take down an earlier banner, unless it went with the case it was shown over."""
    view = window.case_view
    if old is None or view is None or old not in view.banners:
        return
    view.banners.remove(old)
    old.hide()
    old.deleteLater()
