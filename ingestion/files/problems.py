"""What is wrong with a file: every problem names the row, the column, the value and why."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS = 200  # a file that is wrong everywhere reports its first problems, not all


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be loaded. ``row`` is the 1-based data row (0 = the file or its
    header); ``column`` the header name (or '' for the whole row/file)."""

    row: int
    column: str
    value: str | None
    reason: str

    def describe(self, file_name: str) -> str:
        where = "file" if self.row == 0 else f"row {self.row}"
        col = f", column {self.column!r}" if self.column else ""
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{file_name}: {where}{col}: {self.reason}{shown}"


class FileRejected(Exception):  # noqa: N818 - a result, not a bug
    """The whole file is rejected; ``problems`` says where and why. ``rows_in`` is the number of
    data rows the file holds (as far as it could be read)."""

    def __init__(self, problems: list[Problem], rows_in: int = 0) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.rows_in = rows_in
        super().__init__("; ".join(p.describe("file") for p in self.problems[:3]))


class RowErrors:
    """Collects problems row by row; ``raise_if_any`` rejects the file at the end."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, row: int, column: str, value: str | None, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, value, reason))

    def raise_if_any(self, rows_in: int) -> None:
        if self.problems:
            raise FileRejected(self.problems, rows_in)


class CellError(ValueError):
    """A cell cannot be parsed; the message says what was expected."""
