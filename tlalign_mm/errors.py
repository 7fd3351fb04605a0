"""The one root of every error tlalign_mm raises at its users.

Each error class of the package also derives from the builtin it has always been (``ValueError``,
``FileNotFoundError``, ``RuntimeError``, ...), so existing ``except`` clauses keep working, and
from :class:`TLAlignError`, so the project's tools report any of them in one line by catching the
root alone.
"""


class TLAlignError(Exception):
    """Root of the errors tlalign_mm raises about its users' input, configs, data and runs."""


class ToolInputError(TLAlignError):
    """Bad command-line input that a tool reports in one line."""
