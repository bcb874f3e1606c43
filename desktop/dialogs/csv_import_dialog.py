"""The CSV import preview: which field each column fills, which rows would fail and why.

Every change (the kind, a column's field, what to do with unknown names) checks the whole file
again in the background, so a file of many thousand rows never holds up the window. Import is
all or nothing, so it stays disabled while any row fails.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.csv_import import KIND_NAMES, CsvPlan, check_csv, guess_mapping
from db.csv_read import CsvTable
from db.fields import JSON_ORDER, KINDS, Kind
from db.sqlite.casefile import CaseFile

from ..session import CaseSession
from ..tasks import Job

IGNORE = "(ignore)"
PREVIEW_ROWS = 200  # the table shows these; the problem list names every failing row
SHOWN_PROBLEMS = 500


def _check(
    cf: CaseFile, table: CsvTable, kind: Kind, mapping: list[str | None], create: bool, stop: Callable[[], bool]
) -> CsvPlan:
    return check_csv(cf, table, kind, mapping, create_missing=create, stop=stop)


class CsvImportDialog(QDialog):
    """Preview of one CSV file as records of a kind; ``plan`` is what Import adds."""

    checked = Signal()  # a check of the file finished and the preview shows its result

    def __init__(self, session: CaseSession, path: Path, table: CsvTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import CSV")
        self.setModal(True)
        self.session, self.path, self.table = session, path, table
        self.plan: CsvPlan | None = None
        self._job: Job | None = None
        self._generation = 0
        self.resize(960, 640)

        self.kind_box = QComboBox(self)
        for kind in JSON_ORDER:
            self.kind_box.addItem(KINDS[kind].plural, kind.value)  # Qt keeps a str enum as its text
        self.kind_box.setCurrentIndex(JSON_ORDER.index(KIND_NAMES.get(path.stem.casefold(), Kind.STATEMENT)))
        rows = len(table.rows)
        about = QLabel(f"{path.name}: {rows} row{'s' if rows != 1 else ''}, {len(table.header)} columns, "
                       f"read as {table.encoding}.", self)  # fmt: skip
        about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow(about)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.kind_box)
        kind_row.addStretch(1)
        kind_label = QLabel("&Add as:", self)
        kind_label.setBuddy(self.kind_box)
        form.addRow(kind_label, kind_row)

        self.grid = QTableWidget(self)
        self.grid.setObjectName("csv_preview")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grid.setWordWrap(False)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.grid.horizontalHeader().setDefaultSectionSize(150)
        self.grid.horizontalHeader().setStretchLastSection(True)
        self.combos: list[QComboBox] = []

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.problem_list = QListWidget(self)
        self.problem_list.setObjectName("csv_problems")
        self.problem_list.setMaximumHeight(130)

        self.create_button = QRadioButton("&Create a record holding just the name", self)
        self.refuse_button = QRadioButton("&Refuse the row", self)
        self.refuse_button.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.create_button)
        group.addButton(self.refuse_button)
        policy = QHBoxLayout()
        policy.addWidget(QLabel("A speaker, source or other link that names no record in the case:", self))
        policy.addWidget(self.create_button)
        policy.addWidget(self.refuse_button)
        policy.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = QPushButton("&Import", self)
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.grid, 1)
        layout.addLayout(policy)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem_list)
        layout.addWidget(self.buttons)

        self._fill_grid()
        self._set_mapping(guess_mapping(self.kind, table.header))
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        group.buttonToggled.connect(self._policy_changed)
        self.recheck()

    @property
    def kind(self) -> Kind:
        """The kind of record the rows become."""
        return Kind(self.kind_box.currentData())

    @property
    def checking(self) -> bool:
        """True while a check of the file is under way."""
        return self._job is not None

    def mapping(self) -> list[str | None]:
        """The field each column fills (None: ignored), as the combo boxes say."""
        return [combo.currentData() for combo in self.combos]

    def combo(self, header: str) -> QComboBox:
        """The field choice of the column with this header."""
        return self.combos[self.table.header.index(header)]

    # ----- building ----------------------------------------------------------------------
    def _fill_grid(self) -> None:
        table = self.table
        shown = table.rows[:PREVIEW_ROWS]
        self.grid.setColumnCount(len(table.header))
        self.grid.setRowCount(1 + len(shown))
        self.grid.setHorizontalHeaderLabels(table.header)
        self.grid.setVerticalHeaderLabels(["Field", *(str(n) for n in range(2, 2 + len(shown)))])
        for column in range(len(table.header)):
            combo = QComboBox(self.grid)
            combo.currentIndexChanged.connect(lambda _i: self.recheck())
            self.grid.setCellWidget(0, column, combo)
            self.combos.append(combo)
            for row, cells in enumerate(shown, start=1):
                text = cells[column]
                item = QTableWidgetItem(" ".join(text.split()))
                self.grid.setItem(row, column, item)
        self.grid.setRowHeight(0, self.combos[0].sizeHint().height() + 6 if self.combos else 30)

    def _set_mapping(self, mapping: list[str | None]) -> None:
        spec = KINDS[self.kind]
        for combo, name in zip(self.combos, mapping, strict=True):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(IGNORE, None)
            for f in spec.fields:
                combo.addItem(f.label, f.name)
            combo.setCurrentIndex(max(0, combo.findData(name)) if name else 0)
            combo.blockSignals(False)

    def _policy_changed(self, _button: QRadioButton, on: bool) -> None:
        if on:
            self.recheck()

    def _kind_changed(self) -> None:
        self._set_mapping(guess_mapping(self.kind, self.table.header))
        self.recheck()

    # ----- checking ----------------------------------------------------------------------
    def recheck(self) -> None:
        """Check the whole file again with the current choices (in the background)."""
        if self._job is not None:
            self._job.cancel()
        self._generation += 1
        generation = self._generation
        self.import_button.setEnabled(False)
        self.summary.setText("Checking every row…")
        create = self.create_button.isChecked()
        job = Job(_check, self.session.cf, self.table, self.kind, self.mapping(), create, with_stop=True)
        job.signals.finished.connect(lambda plan: self._show(generation, plan))
        job.signals.failed.connect(lambda exc, _d: self._show_failure(generation, exc))
        self._job = self.session.jobs.start(job)

    def _show_failure(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._job = None
        self.summary.setText(f"The file could not be checked: {exc}")
        self.checked.emit()

    def _show(self, generation: int, plan: CsvPlan) -> None:
        if generation != self._generation:
            return  # a later change is being checked
        self._job = None
        self.plan = plan
        spec = KINDS[plan.kind]
        failing = plan.failing_rows
        self.problem_list.clear()
        for line in plan.errors()[:SHOWN_PROBLEMS]:
            self.problem_list.addItem(line)
        if len(plan.problems) > SHOWN_PROBLEMS:
            self.problem_list.addItem(f"… and {len(plan.problems) - SHOWN_PROBLEMS} more")
        self.problem_list.setVisible(bool(plan.problems))
        if plan.problems:
            rows = len(failing)
            what = f"{rows} row{'s' if rows != 1 else ''} would fail" if rows else "The columns cannot be imported"
            self.summary.setText(f"<b>{what}.</b> Nothing is imported until every row can be: change the "
                                 "field a column fills, choose “(ignore)”, or correct the file.")  # fmt: skip
        else:
            made = ""
            if plan.created:
                counts: dict[Kind, int] = {}
                for kind, _id, _name in plan.created:
                    counts[kind] = counts.get(kind, 0) + 1
                parts = ", ".join(f"{n} {KINDS[k].label.lower() if n == 1 else KINDS[k].plural.lower()}"
                                  for k, n in counts.items())  # fmt: skip
                made = f", and {parts} for names not yet in the case"
            noun = spec.label.lower() if len(plan.rows) == 1 else spec.plural.lower()
            self.summary.setText(f"Ready: {len(plan.rows)} {noun} will be added{made}.")
        self._tint(plan)
        self.import_button.setEnabled(not plan.problems and bool(plan.rows))
        self.checked.emit()

    def _tint(self, plan: CsvPlan) -> None:
        """Tint the failing rows, and more strongly the cells at fault (their problem as a tooltip)."""
        row_brush, cell_brush = QBrush(QColor(220, 60, 60, 40)), QBrush(QColor(220, 60, 60, 110))
        plain = self.palette().brush(QPalette.ColorRole.Base)
        failing = plan.failing_rows
        at_fault = {(p.row, p.column): p.message for p in plan.problems if p.row is not None}
        header = self.table.header
        for row in range(1, self.grid.rowCount()):
            number = row + 1
            for column in range(self.grid.columnCount()):
                item = self.grid.item(row, column)
                if item is None:
                    continue
                problem = at_fault.get((number, header[column]))
                item.setBackground(cell_brush if problem else row_brush if number in failing else plain)
                item.setToolTip(problem or "")

    def done(self, result: int) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
        super().done(result)
