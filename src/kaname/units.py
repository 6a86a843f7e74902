"""One pint registry with kaname's own units: munitions, currencies and calendar years.

Currencies are separate dimensions: converting yen to dollars is an economic assumption
(an exchange-rate parameter in the data library), never a unit conversion.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kaname.errors import DataError

if TYPE_CHECKING:
    import pint

_DEFINITIONS = """
missile = [munition] = missiles
round = missile = rounds
shot = missile = shots
interceptor = missile = interceptors
USD = [currency_usd] = usd = dollar
JPY = [currency_jpy] = jpy = yen
calendar_year = [calendar] = CY
person = [headcount] = people = persons = staff
request = [request_count] = requests
aircraft = [airframe]
launcher = [launch_platform] = launchers
ship = [vessel] = ships
thousand = 1e3
million = 1e6
billion = 1e9
trillion = 1e12
"""


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    import pint  # imported on first use: keeps `kaname --help` quick

    reg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for line in _DEFINITIONS.strip().splitlines():
        reg.define(line)
    return reg


MAX_EXPRESSION = 80   # characters of a unit or quantity expression
MAX_OPERATORS = 12    # multiplications, divisions and powers in one
MAX_EXPONENT = 12     # |n| of a power: m**3 and 1/s**2 are units; 9**9**9 is a time bomb
_POWER = re.compile(r"(\*\*|\^)\s*\(?\s*([-+]?[0-9.eE]+)")


def check_expression(text: str, *, file: str | None = None, key: str | None = None) -> None:
    """Refuse a unit or quantity expression pint would take unbounded time or memory on:
    too long, too many operators, a power tower or a power beyond MAX_EXPONENT."""
    if len(text) > MAX_EXPRESSION:
        raise DataError(f"unit expression of {len(text)} characters; at most "
                        f"{MAX_EXPRESSION} allowed", file=file, key=key)
    operators = len(re.findall(r"\*\*|\^|\*|/", text))
    if operators > MAX_OPERATORS:
        raise DataError(f"unit expression with {operators} operators; at most "
                        f"{MAX_OPERATORS} allowed", file=file, key=key)
    if re.search(r"(\*\*|\^)[^*^/]*(\*\*|\^)", text):
        raise DataError(f"{text!r}: a power of a power is not a unit", file=file, key=key)
    for _, exponent in _POWER.findall(text):
        try:
            too_big = abs(float(exponent)) > MAX_EXPONENT
        except ValueError:
            too_big = True
        if too_big:
            raise DataError(f"{text!r}: power {exponent} beyond ±{MAX_EXPONENT}",
                            file=file, key=key)


def _dimensionality_error() -> type[Exception]:
    import pint

    return pint.DimensionalityError


def parse_unit(unit: str, *, file: str | None = None, key: str | None = None) -> pint.Unit:
    """Parse a unit string, or raise a one-line DataError naming the file and key."""
    check_expression(unit or "", file=file, key=key)
    try:
        return registry().parse_units(unit or "dimensionless")
    except Exception as exc:  # pint raises several unrelated types here
        raise DataError(f"unit {unit!r} is not understood ({type(exc).__name__})",
                        file=file, key=key) from None


def conversion_factor(source: str, target: str, *, file: str | None = None,
                      key: str | None = None) -> float:
    """Multiplier taking a value in `source` units to `target` units."""
    src = parse_unit(source, file=file, key=key)
    dst = parse_unit(target, file=file, key=key)
    try:
        return float(registry().Quantity(1.0, src).to(dst).magnitude)
    except _dimensionality_error():
        raise DataError(f"unit {source!r} cannot be converted to {target!r}",
                        file=file, key=key) from None


def parse_quantity(text: str, target: str, *, file: str | None = None,
                   key: str | None = None) -> float:
    """Parse '120 missile/year' into a float in `target` units."""
    check_expression(text, file=file, key=key)
    try:
        qty: Any = registry().Quantity(text)
    except Exception:
        raise DataError(f"{text!r} is not a number with a unit", file=file, key=key) from None
    try:
        value = float(qty.to(parse_unit(target, file=file, key=key)).magnitude)
    except _dimensionality_error():
        raise DataError(f"{text!r} has units incompatible with {target!r}",
                        file=file, key=key) from None
    if not math.isfinite(value):
        raise DataError(f"{text!r} is not a finite number", file=file, key=key)
    return value
