"""National Provider Identifier (NPI) check.

An NPI is 10 digits whose last digit is a Luhn (ISO/IEC 7812) check digit computed over the
card-issuer prefix ``80840`` followed by the first nine digits (CMS, "Requirements for
Check Digit Algorithm for the National Provider Identifier", 2005). Example: 1234567893.
"""

from __future__ import annotations

from clinic.domain.errors import InvalidValue

PREFIX = "80840"


def luhn_valid(digits: str) -> bool:
    """Whether ``digits`` (check digit last) pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = int(char)
        if position % 2 == 1:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


def check_npi(value: str, *, field: str = "physician_npi") -> str:
    """``value`` without spaces if it is a valid NPI; InvalidValue naming the problem otherwise."""
    npi = value.replace(" ", "").replace("-", "")
    if not npi:
        raise InvalidValue("the physician's NPI is required", code="required", field=field)
    if len(npi) != 10 or not npi.isdigit():
        raise InvalidValue(f"an NPI is 10 digits, not {value!r}", code="invalid_npi", field=field)
    if not luhn_valid(PREFIX + npi):
        raise InvalidValue(
            f"{npi} is not a valid NPI: its check digit does not match (check for a typing error)",
            code="invalid_npi",
            field=field,
        )
    return npi
