"""Command groups mounted under ``kaname``: each module defines ``name`` and a typer ``app``."""
