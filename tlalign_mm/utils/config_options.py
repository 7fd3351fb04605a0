"""``--cfg-options`` keys checked against the config they change.

mmengine's ``merge_from_dict`` adds any key it is given, so a misspelled key
(``pretrianed=PATH``) is stored beside the real one and the run silently uses the config's own
value. Every tool and the benchmark refuse a key the config does not have, naming the closest
keys it does have; a key meant to be new is written with a leading ``+``
(``+train_cfg.val_begin=100000``), which the check accepts and strips before merging.
"""
import difflib
from typing import Any, Dict, Iterator, List, Mapping

from ..errors import TLAlignError

NEW_KEY = '+'


class UnknownOptionKey(TLAlignError, ValueError):
    """A ``cfg_options`` key names nothing in its config."""


def has_key_path(tree: Any, parts: List[str]) -> bool:
    """Whether the dotted path ``parts`` (list indices as digits) exists in ``tree``."""
    for part in parts:
        if isinstance(tree, dict) and part in tree:
            tree = tree[part]
        elif isinstance(tree, (list, tuple)) and part.lstrip('-').isdigit() and (
                -len(tree) <= int(part) < len(tree)):
            tree = tree[int(part)]
        else:
            return False
    return True


def key_paths(tree: Any, prefix: str = '') -> Iterator[str]:
    """Every dotted key path of ``tree`` (dict keys and list indices), parents first."""
    items = (tree.items() if isinstance(tree, dict) else
             enumerate(tree) if isinstance(tree, (list, tuple)) else ())
    for key, child in items:
        path = f'{prefix}{key}'
        yield path
        yield from key_paths(child, path + '.')


def closest_keys(tree: dict, key: str, count: int = 3) -> List[str]:
    """The config's key paths of ``key``'s depth most like it (difflib), best first: a
    misspelled leaf is another leaf, not its parent."""
    depth = key.count('.')
    same_depth = [path for path in key_paths(tree) if path.count('.') == depth]
    return difflib.get_close_matches(key, same_depth, n=count, cutoff=0.6)


def checked_option_keys(tree: dict, options: Mapping[str, Any],
                        source: str) -> Dict[str, Any]:
    """``options`` with every key checked against ``tree`` and the ``+`` marks stripped.

    Args:
        tree: ``Config.to_dict()`` of the config the options will be merged into.
        options: ``{dotted key: value}`` as mmengine's ``DictAction`` parses them; a key
            starting with ``+`` may be new.
        source: the config's path, named in the error.

    Raises:
        UnknownOptionKey: a key without ``+`` that ``tree`` does not have.
    """
    checked = {}
    for key, value in options.items():
        if key.startswith(NEW_KEY):
            checked[key[len(NEW_KEY):]] = value
            continue
        if not has_key_path(tree, key.split('.')):
            close = closest_keys(tree, key)
            hint = f'did you mean {" or ".join(close)}? ' if close else ''
            raise UnknownOptionKey(
                f'cfg-options key {key!r} is not in {source} ({hint}a misspelled key would be '
                f'ignored); write {NEW_KEY}{key}=... to add a new key on purpose')
        checked[key] = value
    return checked


def merge_checked_options(cfg, options: Mapping[str, Any], source: str) -> Dict[str, Any]:
    """Merge ``options`` into the mmengine ``cfg`` after :func:`checked_option_keys`; returns
    the merged (stripped) options."""
    checked = checked_option_keys(cfg.to_dict(), options, source)
    cfg.merge_from_dict(checked)
    return checked
