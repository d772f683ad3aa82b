"""The installed version, from the package metadata: one number, in pyproject.toml."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("docgen")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
