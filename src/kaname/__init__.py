"""要 kaname — an open workbench for analysing the Japan–US alliance under deep uncertainty."""

__version__ = "0.1.0"

__all__ = ["Results", "__version__"]


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    # `kaname.Results` without importing xarray at `import kaname` (keeps the CLI quick).
    if name == "Results":
        from kaname.results import Results

        return Results
    raise AttributeError(name)
