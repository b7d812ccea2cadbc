"""Errors a user can act on, worded in French.

The CLI prints ``str(error)`` as it is, with no traceback: every message names the file (and,
where it applies, the row and column) and says what to do.
"""

from __future__ import annotations


class CoodiagError(Exception):
    """Base of every error that coodiag reports to its user."""


class DataError(CoodiagError):
    """A data file is missing, altered, truncated or malformed."""


class BaseMissingError(CoodiagError):
    """The territorial base has not been built yet."""
