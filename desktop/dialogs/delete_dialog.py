"""Deleting records others refer to (say what refers to them and offer what makes sense), and
records someone else changed after the user opened them (a team case)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from db.errors import ConflictError
from db.fields import KINDS, Kind

from ..session import CaseSession, Reference, short_label

MAX_LISTED = 12


def confirm_delete(parent: QWidget, session: CaseSession, kind: Kind, record_id: str) -> bool | None:
    """Ask before deleting a referenced record.

    Returns None to cancel, False to delete a record nothing refers to, True to delete it and
    remove the references to it (both undoable in one step).
    """
    refs = session.find_references(kind, record_id)
    if not refs:
        return False
    spec = KINDS[kind]
    title = session.get_record(kind, record_id)[spec.title_field] or ""
    listed = "\n".join(f"• {ref.describe()}" for ref in refs[:MAX_LISTED])
    if len(refs) > MAX_LISTED:
        listed += f"\n• … and {len(refs) - MAX_LISTED} more"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"Delete {spec.label}")
    box.setText(f"“{short_label(str(title))}” is referred to by {len(refs)} other record(s).")
    box.setInformativeText(
        f"{listed}\n\nDeleting it also removes these references; the other records stay. You can undo this."
    )
    remove = box.addButton("Delete and Remove References", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return True if box.clickedButton() is remove else None


def confirm_delete_many(parent: QWidget, kind: Kind, count: int, refs: list[Reference]) -> bool:
    """Ask once before deleting several records, listing the other records that refer to them
    (those references are removed with them). True to delete."""
    from ..bulk_edits import records_noun

    noun = records_noun(kind, count)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"Delete {noun.title()}")
    box.setText(f"Delete {noun}?")
    if refs:
        listed = "\n".join(f"• {ref.describe()}" for ref in refs[:MAX_LISTED])
        if len(refs) > MAX_LISTED:
            listed += f"\n• … and {len(refs) - MAX_LISTED} more"
        others = "1 other record refers" if len(refs) == 1 else f"{len(refs)} other records refer"
        box.setInformativeText(
            f"{others} to them:\n{listed}\n\nDeleting them also removes these references; "
            "the other records stay. You can undo this."
        )
    else:
        box.setInformativeText("No other record refers to them. You can undo this.")
    delete = box.addButton(f"Delete {noun.title()}", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is delete


def confirm_delete_changed(parent: QWidget, kind: Kind, exc: ConflictError) -> bool:
    """Someone else changed the record the user is deleting after they opened it (a team case):
    say who and when, and ask whether to delete it all the same. True to delete; Keep It (the
    default, and Escape) leaves it as the other person left it."""
    from .conflict_dialog import when_text

    spec = KINDS[kind]
    title = short_label(str(exc.theirs.get(spec.title_field) or "")) or f"(untitled {spec.label.lower()})"
    when = when_text(exc.changed_at)
    who = exc.changed_by or "Someone else"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"Delete {spec.label}")
    said = f"{who} changed “{title}” after you opened it" + (f", on {when}" if when else "")
    box.setText(said if said.endswith(".") else f"{said}.")  # "p.m." already ends the sentence
    box.setInformativeText(
        f"Deleting the {spec.label.lower()} now deletes their change with it. "
        "Keep it to see what they changed. You can undo a deletion."
    )
    delete = box.addButton("Delete Anyway", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep It", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is delete
