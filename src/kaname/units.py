"""One pint registry with kaname's own units: munitions, currencies and calendar years.

Currencies are separate dimensions: converting yen to dollars is an economic assumption
(an exchange-rate parameter in the data library), never a unit conversion.
"""

from __future__ import annotations

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


def _dimensionality_error() -> type[Exception]:
    import pint

    return pint.DimensionalityError


def parse_unit(unit: str, *, file: str | None = None, key: str | None = None) -> pint.Unit:
    """Parse a unit string, or raise a one-line DataError naming the file and key."""
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
    try:
        qty: Any = registry().Quantity(text)
    except Exception:
        raise DataError(f"{text!r} is not a number with a unit", file=file, key=key) from None
    try:
        return float(qty.to(parse_unit(target, file=file, key=key)).magnitude)
    except _dimensionality_error():
        raise DataError(f"{text!r} has units incompatible with {target!r}",
                        file=file, key=key) from None
