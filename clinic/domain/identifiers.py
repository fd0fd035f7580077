"""Provider identifiers a claim carries: the National Provider Identifier and a state licence.

An NPI is 10 digits whose last is a Luhn check digit computed over the prefix 80840 and the first
nine digits (CMS, "Requirements for Constructing NPI Check Digit", 45 CFR 162.406); 1234567893 is
CMS's published example. Empty means not recorded.
"""

from __future__ import annotations

from clinic.domain import limits
from clinic.domain.errors import InvalidValue

NPI_PREFIX = "80840"
LICENCE_CHARS = 40
ADDRESS_CHARS = 300


def npi_valid(npi: str) -> bool:
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    digits = [int(d) for d in NPI_PREFIX + npi]
    # Luhn: double every second digit from the right, the check digit itself not doubled.
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return total % 10 == 0


def check_npi(value: str, *, field: str) -> str:
    npi = value.strip()
    if npi and not npi_valid(npi):
        raise InvalidValue(
            "an NPI is 10 digits with a valid check digit (for example 1234567893)",
            code="invalid_npi",
            field=field,
        )
    return npi


def check_licence(value: str, *, field: str) -> str:
    return limits.check_text(value, field=field, label="the licence", max_chars=LICENCE_CHARS)


def check_address(value: str, *, field: str) -> str:
    return limits.check_text(value, field=field, label="the address", max_chars=ADDRESS_CHARS)
