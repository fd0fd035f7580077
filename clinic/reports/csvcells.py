"""CSV cells a spreadsheet will not run as formulas (CSV injection, OWASP).

Excel, LibreOffice and Google Sheets evaluate a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and some read a leading tab or carriage return the same way): a patient named
``=HYPERLINK("http://x","y")`` would become a live link in the payer's spreadsheet. Every CSV
the product writes goes through :class:`SafeWriter`, which prefixes such text with an
apostrophe, the spreadsheets' own "this is text" mark.

Numbers stay numbers: an ``int`` or ``float`` is written as it is, and so is text that is a
plain decimal number (``-3.20``, ``+1e-3``), which no spreadsheet evaluates as a formula, so
MATLAB, R and pandas still read negative values as numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would evaluate gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell passes through :func:`neutralise`."""

    def __init__(self, out: TextIO, **formatting: Any) -> None:
        self._writer = csv.writer(out, **formatting)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
