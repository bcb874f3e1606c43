"""Native file dialogs, in one place (tests replace these functions; nothing else is mocked)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

CASE_FILTER = "Case files (*.casefile)"
JSON_FILTER = "JSON documents (*.json)"
PDF_FILTER = "PDF documents (*.pdf)"
CSV_FILTER = "CSV files (*.csv *.txt)"
LINK_FILTER = "Team case links (*.casefile-link)"


def _with_suffix(name: str, suffix: str) -> Path | None:
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def ask_open_case(parent: QWidget | None, folder: str) -> Path | None:
    """Choose an existing case file."""
    name, _ = QFileDialog.getOpenFileName(
        parent,
        "Open Case File",
        folder,
        f"Case files (*.casefile *.casefile-link);;{CASE_FILTER};;{LINK_FILTER};;All files (*)",
    )
    return Path(name) if name else None


def ask_new_case(parent: QWidget | None, folder: str, title: str = "New Case File") -> Path | None:
    """Choose where to create a case file (the dialog confirms replacing)."""
    name, _ = QFileDialog.getSaveFileName(parent, title, folder, CASE_FILTER)
    return _with_suffix(name, ".casefile")


def ask_open_json(parent: QWidget | None, folder: str) -> Path | None:
    """Choose a JSON document to import."""
    name, _ = QFileDialog.getOpenFileName(parent, "Import JSON", folder, f"{JSON_FILTER};;All files (*)")
    return Path(name) if name else None


def ask_open_csv(parent: QWidget | None, folder: str) -> Path | None:
    """Choose a CSV file to import into the open case."""
    name, _ = QFileDialog.getOpenFileName(parent, "Import CSV", folder, f"{CSV_FILTER};;All files (*)")
    return Path(name) if name else None


def ask_save_json(parent: QWidget | None, suggested: str) -> Path | None:
    """Choose where to write a JSON export."""
    name, _ = QFileDialog.getSaveFileName(parent, "Export JSON", suggested, JSON_FILTER)
    return _with_suffix(name, ".json")


def ask_folder(parent: QWidget | None, title: str, folder: str) -> Path | None:
    """Choose a folder."""
    name = QFileDialog.getExistingDirectory(parent, title, folder)
    return Path(name) if name else None


def ask_save_pdf(parent: QWidget | None, suggested: str, title: str = "Export Briefing") -> Path | None:
    """Choose where to write a PDF."""
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, PDF_FILTER)
    return _with_suffix(name, ".pdf")


def ask_save_link(parent: QWidget | None, suggested: str) -> Path | None:
    """Choose where to write a team case link."""
    name, _ = QFileDialog.getSaveFileName(parent, "Save Team Case Link", suggested, LINK_FILTER)
    return _with_suffix(name, ".casefile-link")
