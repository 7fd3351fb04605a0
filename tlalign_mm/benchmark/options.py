"""``cfg_options`` of a benchmark cell, checked against the config they go to.

mmengine's ``--cfg-options`` adds any key it is given, so a misspelled key (``pretrian=...``)
would be dropped silently and the cell would run the config's own value. The benchmark refuses a
key that the config does not have; a key meant to be new is written with a leading ``+``
(``+train_cfg.val_begin=100000``), which the check accepts and strips before the run.
"""
from typing import List

from ..errors import TLAlignError

NEW_KEY = '+'


class UnknownOptionKey(TLAlignError, ValueError):
    """A ``cfg_options`` key names nothing in its config."""


def _has_path(node, parts):
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.lstrip('-').isdigit() and (
                -len(node) <= int(part) < len(node)):
            node = node[int(part)]
        else:
            return False
    return True


def checked_options(tree: dict, options: List[str], config_path: str) -> List[str]:
    """``options`` as tools/train.py takes them, each key checked against ``cfg``.

    Args:
        tree: ``Config.to_dict()`` of the config the options will be merged into (as read
            from ``config_path``).
        options: ``key=value`` strings; a key starting with ``+`` may be new.
        config_path: named in the error.

    Raises:
        UnknownOptionKey: a key without ``+`` that ``cfg`` does not have.
    """
    out = []
    for option in options:
        key, _, value = option.partition('=')
        if key.startswith(NEW_KEY):
            out.append(f'{key[len(NEW_KEY):]}={value}')
            continue
        if not _has_path(tree, key.split('.')):
            raise UnknownOptionKey(
                f'cfg_options key {key!r} is not in {config_path} (a misspelling would be '
                f'ignored); write {NEW_KEY}{key}=... to add a new key on purpose')
        out.append(option)
    return out
