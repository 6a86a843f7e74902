"""Declare a model's inputs and outputs once, at class level.

In the spirit of Stone Soup's ``Property``: each input or output is a class attribute
holding its :class:`~kaname.spec.Spec` (unit, bounds, bilingual label, lever flag, dims,
default) and, for an input, the upstream output it is linked to. The model's ``inputs``,
``outputs`` and ``links`` mappings — which the engine, validation, the docs tables, the
dashboard's forms and the report all read — are derived from these declarations, so there
is one place to change a parameter.

Inputs and outputs that repeat over the items of a dimension (one set per munition, per
technology domain, per headquarters) are declared once as a :class:`Family`; the model
instance supplies the items (from the data library) through :meth:`DeclaredModel.items`.
A member's spec may be a function ``(model, item) -> Spec | None`` when its bounds or
labels depend on the item (``None`` leaves the item out)::

    class Toy(DeclaredModel):
        name = "toy"
        rate = Input(Spec("Rate", "率", unit="1/year", low=0, default=0.1, lever=True))
        days = Input(Spec("Days", "日数", unit="day"), link="other.days")
        total = Output(Spec("Total", "合計", headline=True))
        per_item = Family("item", {"weight": Input(Spec("Weight", "重み", default=1.0))})

Paths are ``{model}.{attribute}`` for plain declarations and ``{model}.{item}.{key}`` for
family members unless a ``path=`` template says otherwise (``{model}``, ``{item}`` and
``{key}`` are filled in).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from kaname.spec import Spec

if TYPE_CHECKING:
    from kaname.data import Library
    from kaname.models.base import Settings

SpecOrFactory = Spec | Callable[[Any, str], "Spec | None"]


@dataclass(frozen=True)
class Input:
    """A model input: its spec, an optional path template and an optional link to an
    upstream model's output (a template too, e.g. ``"upstream.{item}.rate"``)."""

    spec: SpecOrFactory
    path: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Output:
    """A model output: its spec (``dims`` name its extra axes; ``series`` marks a ``day``
    axis kept only on request) and an optional path template."""

    spec: SpecOrFactory
    path: str | None = None


@dataclass(frozen=True)
class Family:
    """Inputs and outputs repeated over the items of dimension `dim`."""

    dim: str
    members: Mapping[str, Input | Output] = field(default_factory=dict)
    path: str = "{model}.{item}.{key}"


def _spec(spec: SpecOrFactory, model: Any, item: str) -> Spec | None:
    return spec if isinstance(spec, Spec) else spec(model, item)


class DeclaredModel:
    """Base of the built-in models: the model protocol derived from class declarations.

    Subclasses set ``name``, declare :class:`Input`, :class:`Output` and :class:`Family`
    attributes, set ``coords`` (and ``coord_labels``) in ``__init__`` and implement
    :meth:`evaluate`. Optional hooks: :meth:`validate` (cross-input checks, called by the
    engine before every evaluation and on a scenario's fixed values), :meth:`items`
    (the items of a family's dimension when they are not an output coordinate),
    ``stochastic`` (the model draws from ``rng``), ``lever_group`` (the dashboard's title
    for its levers) and ``report_section`` (``"module:function"`` of its report section).
    """

    name: ClassVar[str] = ""
    stochastic: ClassVar[bool] = False
    lever_group: ClassVar[Mapping[str, str] | None] = None
    report_section: ClassVar[str | None] = None
    coords: Mapping[str, Sequence[Any]] = {}
    coord_labels: Mapping[str, Mapping[str, Mapping[str, str]]] = {}

    _declared: ClassVar[list[tuple[str, Input | Output | Family]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared: dict[str, Input | Output | Family] = {}
        for klass in reversed(cls.__mro__):  # base-class declarations first, overridable
            for attr, value in vars(klass).items():
                if isinstance(value, (Input, Output, Family)):
                    declared[attr] = value
        cls._declared = list(declared.items())

    # -- the protocol, derived ---------------------------------------------------------
    def items(self, dim: str) -> Sequence[str]:
        """The items a family over `dim` repeats over (default: the coordinate `dim`)."""
        if dim not in self.coords:
            raise KeyError(f"model {self.name}: no items for family dimension {dim!r}")
        return self.coords[dim]

    def _expand(self) -> tuple[dict[str, Spec], dict[str, Spec], dict[str, str]]:
        inputs: dict[str, Spec] = {}
        outputs: dict[str, Spec] = {}
        links: dict[str, str] = {}

        def add(decl: Input | Output, template: str, item: str, key: str) -> None:
            spec = _spec(decl.spec, self, item)
            if spec is None:
                return
            path = template.format(model=self.name, item=item, key=key)
            if isinstance(decl, Input):
                inputs[path] = spec
                if decl.link:
                    links[path] = decl.link.format(model=self.name, item=item, key=key)
            else:
                outputs[path] = spec

        for attr, decl in self._declared:
            if isinstance(decl, Family):
                for item in self.items(decl.dim):
                    for key, member in decl.members.items():
                        add(member, member.path or decl.path, str(item), key)
            else:
                add(decl, decl.path or "{model}.{key}", "", attr)
        return inputs, outputs, links

    @property
    def inputs(self) -> Mapping[str, Spec]:
        return self._derived()[0]

    @property
    def outputs(self) -> Mapping[str, Spec]:
        return self._derived()[1]

    @property
    def links(self) -> Mapping[str, str]:
        """Input path -> the upstream output path the engine feeds it from."""
        return self._derived()[2]

    def _derived(self) -> tuple[dict[str, Spec], dict[str, Spec], dict[str, str]]:
        cached = self.__dict__.get("_derived_cache")
        if cached is None:
            cached = self.__dict__["_derived_cache"] = self._expand()
        return cached

    # -- hooks ---------------------------------------------------------------------------
    def validate(self, x: Mapping[str, Any], *, file: str | None = None) -> None:
        """Cross-input checks on values (floats or arrays over the sample axis) beyond each
        input's declared range; raise a one-line :class:`~kaname.errors.InputError`.
        `x` may hold only some inputs (a scenario's fixed values): check what is there."""

    def evaluate(self, x: Mapping[str, np.ndarray], *, rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        raise NotImplementedError

    # -- conveniences ----------------------------------------------------------------------
    def evaluate_dict(self, values: Mapping[str, Any] | None = None, *,
                      library: Library | None = None, n: int | None = None,
                      series: bool = False) -> dict[str, np.ndarray]:
        """Evaluate from a plain dict of numbers or arrays (category inputs by label or
        code); the rest from `library` when given, else from each spec's ``default``.
        Goes through the one evaluation path, :meth:`kaname.engine.Engine.evaluate`."""
        from kaname.engine import Engine

        engine = Engine([self], library)
        columns = engine.columns_from(values or {}, n)
        size = next((len(v) for v in columns.values()), n or 1)
        return engine.evaluate(columns, size, series=series)

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None) -> DeclaredModel:
        """The model's factory: build it for `settings` from `library` (override when the
        declarations need items or checks from the data library)."""
        return cls()
