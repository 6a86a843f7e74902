"""要 kaname — an open workbench for analysing the Japan–US alliance under deep uncertainty."""

__version__ = "0.1.0"

__all__ = ["__version__"]
