"""Parameter and outcome declarations: declared once, used for validation, docs and forms."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["real", "integer", "category", "bool"]
Better = Literal["higher", "lower"] | None


@dataclass(frozen=True)
class Spec:
    """What a model input or output is: unit, kind, bounds and its bilingual label.

    `unit` is the model's canonical unit; data-library values are converted to it at load
    and plain numbers in scenario files are read in it. `dims` names the extra axes of an
    output beyond the sample axis (e.g. ``("munition",)``); `series` marks outputs with a
    ``day`` axis that are kept only when asked for. `lever` marks inputs that a policy may
    set; `headline` marks outputs shown in summary tables. `default` is the value used when
    neither the caller nor the data library gives one (so a model can be evaluated from a
    plain dict, without the data library); the data library's base value wins over it.
    `validated` is the range of an input over which the model's method has been checked (a
    scenario that samples beyond it is warned, once, naming the input). `missing_ok` says an
    output may legitimately hold NaN or ±inf for some samples (e.g. "never happens"); without
    it the engine refuses a non-finite value in a float output, naming the model, the output
    and how many samples.
    """

    label_en: str
    label_ja: str
    unit: str = "dimensionless"
    kind: Kind = "real"
    low: float | None = None
    high: float | None = None
    categories: tuple[str, ...] = ()
    dims: tuple[str, ...] = ()
    series: bool = False
    lever: bool = False
    headline: bool = False
    better: Better = None
    description: str = ""
    default: float | str | bool | None = None
    validated: tuple[float, float] | None = None
    extra: Mapping[str, object] = field(default_factory=dict)
    missing_ok: bool = False

    def label(self, lang: str = "en") -> str:
        return self.label_ja if lang == "ja" else self.label_en

    def allowed(self) -> str:
        """Human text of what values are allowed, for error messages."""
        if self.kind == "category":
            return "one of " + ", ".join(self.categories)
        if self.kind == "bool":
            return "true or false"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        what = "an integer" if self.kind == "integer" else "a number"
        return f"{what} in [{lo}, {hi}] {self.unit}".rstrip()

    @property
    def movable(self) -> bool:
        """False for a number whose bounds leave one value (a munition with no Japanese
        production proposed has a co-production lever of [0, 0]): nothing to choose."""
        return not (self.kind in ("real", "integer") and self.low is not None
                    and self.low == self.high)

    def check(self, value: float) -> str | None:
        """None when `value` (canonical unit, or category code) is allowed, else why not."""
        if self.kind == "category":
            if not (0 <= value < len(self.categories)) or value != int(value):
                return f"must be {self.allowed()}"
            return None
        if not math.isfinite(value):
            return f"must be finite; allowed: {self.allowed()}"
        if self.kind == "integer" and value != int(value):
            return f"must be {self.allowed()}"
        if self.kind == "bool" and value not in (0, 1):
            return "must be true or false"
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            return f"{value:g} is out of range; allowed: {self.allowed()}"
        return None

    def code(self, category: str) -> int:
        return self.categories.index(category)
