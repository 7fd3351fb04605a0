"""``cfg_options`` of a benchmark cell, checked against the config they go to before anything
runs (a misspelled key would otherwise fail only when its cell starts, hours in).

The rules are tools/train.py's (``tlalign_mm.utils.config_options``): a key the config lacks is
refused, a key written with a leading ``+`` may be new. The options reach tools/train.py as
written, ``+`` included, and it checks them again.
"""
from typing import List

from ..utils.config_options import NEW_KEY, UnknownOptionKey, checked_option_keys

__all__ = ['NEW_KEY', 'UnknownOptionKey', 'checked_options']


def checked_options(tree: dict, options: List[str], config_path: str) -> List[str]:
    """``options`` (``key=value`` strings, as tools/train.py takes them), each key checked.

    Args:
        tree: ``Config.to_dict()`` of the config the options will be merged into (as read
            from ``config_path``).
        options: ``key=value`` strings; a key starting with ``+`` may be new.
        config_path: named in the error.

    Raises:
        UnknownOptionKey: a key without ``+`` that the config does not have.
    """
    checked_option_keys(tree, {option.partition('=')[0]: None for option in options},
                        config_path)
    return list(options)
