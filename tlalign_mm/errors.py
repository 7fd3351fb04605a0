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


class ChoiceError(TLAlignError, ValueError):
    """A setting outside the values it may take."""


def check_choice(what: str, value, choices) -> None:
    """Refuse ``value`` unless it is one of ``choices``, suggesting the closest one."""
    if value in choices:
        return
    import difflib
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    hint = f' (did you mean {close[0]!r}?)' if close else ''
    allowed = ', '.join(repr(c) for c in choices)
    raise ChoiceError(f'{what} must be one of {allowed}, got {value!r}{hint}')
