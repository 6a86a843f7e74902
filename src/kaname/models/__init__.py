"""kaname's built-in models. Third-party models register under the entry-point group
``kaname.models`` (see :mod:`kaname.models.base`)."""

# name -> "module:factory"; factory(library, settings) returns a Model.
BUILTIN: dict[str, str] = {
    "sustainment": "kaname.models.sustainment:SustainmentModel.from_library",
    "c2": "kaname.models.c2:C2Model.from_library",
}
