"""kaname's built-in models. Third-party models register under the entry-point group
``kaname.models`` (see :mod:`kaname.models.base`)."""

# name -> "module:factory"; factory(library, settings) returns a Model.
BUILTIN: dict[str, str] = {
    "sustainment": "kaname.models.sustainment:SustainmentModel.from_library",
}
