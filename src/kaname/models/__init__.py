"""kaname's built-in models. Third-party models register under the entry-point group
``kaname.models`` (see :mod:`kaname.models.base`); subclass :class:`DeclaredModel` and declare
inputs and outputs at class level (see ``docs/writing-a-model.md``)."""

from kaname.models.declare import DeclaredModel, Family, Input, Output

# name -> "module:factory"; factory(library, settings) returns a Model. The order is the
# order readers meet the outcomes in tables and reports; the engine evaluates in
# dependency order (homeland → posture → sustainment; c2, autonomy; then deterrence).
BUILTIN: dict[str, str] = {
    "sustainment": "kaname.models.sustainment:SustainmentModel.from_library",
    "c2": "kaname.models.c2:C2Model.from_library",
    "deterrence": "kaname.models.deterrence:DeterrenceModel.from_library",
    "posture": "kaname.models.posture:PostureModel.from_library",
    "homeland": "kaname.models.homeland:HomelandModel.from_library",
    "autonomy": "kaname.models.autonomy:AutonomyModel.from_library",
    "budget": "kaname.models.budget:BudgetModel.from_library",
}

__all__ = ["BUILTIN", "DeclaredModel", "Family", "Input", "Output"]
