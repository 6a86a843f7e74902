import os

import pytest

os.environ.setdefault("HYPOTHESIS_PROFILE", "ci")

try:
    from hypothesis import settings

    settings.register_profile("ci", deadline=None, max_examples=60)
    settings.load_profile("ci")
except ImportError:  # pragma: no cover
    pass


@pytest.fixture(scope="session")
def library():
    from kaname.data import Library

    return Library.load()


@pytest.fixture(scope="session", autouse=True)
def _private_run_catalog(tmp_path_factory):
    """Point the run catalog (and ``$KANAME_HOME``) at a session temp directory, so no test
    — nor a CLI subprocess that inherits this environment — writes to ``~/.kaname``."""
    home = tmp_path_factory.mktemp("kaname-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KANAME_HOME", str(home))
        mp.setenv("KANAME_CATALOG", str(home / "catalog.duckdb"))
        yield home
