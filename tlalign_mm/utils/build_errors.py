"""A misspelled type name or keyword in a config, or a missing one, said in one line with the
closest names.

mmengine builds every part of a run from the config's dicts. A misspelled ``type``
(``VisionTransfomer``) ends in a registry ``KeyError`` and a misspelled keyword
(``train_cfg.max_epoch``) in the constructor's ``TypeError``, each under some 300 lines of
traceback. The tools run their builds inside :func:`config_build_errors`, which turns exactly
these two errors (and a constructor's missing required arguments) into a
:class:`ConfigBuildError` naming the registry or class and the names it does have that are
spelled alike; any other ``KeyError`` / ``TypeError`` passes through untouched.
"""
import difflib
import importlib
import inspect
import re
from contextlib import contextmanager
from typing import Iterator, List, Optional

from mmengine.registry import Registry

from ..errors import TLAlignError

_NOT_REGISTERED = re.compile(r'^(\S+) is not in the (?:(\w+)::)?(\w+) registry')
_UNKNOWN_KEYWORD = re.compile(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")
_MISSING_ARGUMENTS = re.compile(
    r"(\w+)\.__init__\(\) missing \d+ required (?:positional |keyword-only )?arguments?: (.+)$")
_SCOPES = ('mmengine', 'mmpretrain', 'mmseg', 'mmdet')


class ConfigBuildError(TLAlignError, ValueError):
    """A config names a type that is not registered, or a keyword its class does not take."""


def _registries() -> Iterator[Registry]:
    for scope in _SCOPES:
        try:
            module = importlib.import_module(f'{scope}.registry')
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, Registry):
                yield value


def _names(registry_name: str, scope: Optional[str]) -> List[str]:
    names = set()
    for registry in _registries():
        if registry.name == registry_name and (
                scope is None or registry.scope in (scope, 'mmengine')):
            names.update(registry.module_dict)
    return sorted(names)


def _registered_class(class_name: str):
    for registry in _registries():
        if class_name in registry.module_dict:
            return registry.module_dict[class_name]
    return None


def _close(word: str, candidates: List[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=3, cutoff=0.6)
    return f' (did you mean {" or ".join(close)}?)' if close else ''


def explain_build_error(err: BaseException) -> Optional[str]:
    """One line for a registry miss, an unknown or a missing constructor argument; None for
    anything else."""
    message = str(err.args[0]) if err.args else ''
    if isinstance(err, KeyError):
        found = _NOT_REGISTERED.match(message)
        if found:
            name, scope, registry = found.groups()
            where = f'{scope}::{registry}' if scope else registry
            return (f'unknown type {name!r}: not in the {where} registry'
                    f'{_close(name, _names(registry, scope))}')
    if isinstance(err, TypeError):
        found = _UNKNOWN_KEYWORD.search(message)
        if found:
            class_name, keyword = found.groups()
            cls = _registered_class(class_name)
            accepted = [] if cls is None else [
                p for p in inspect.signature(cls.__init__).parameters
                if p not in ('self', 'args', 'kwargs')]
            return (f'{class_name} takes no argument {keyword!r} (check the config key that '
                    f'sets it){_close(keyword, accepted)}')
        found = _MISSING_ARGUMENTS.search(message)
        if found:
            class_name, names = found.groups()
            plural = 's' if ' and ' in names else ''
            return (f'{class_name} needs argument{plural} {names} (the config dict that builds '
                    f'it has no such key)')
    return None


@contextmanager
def config_build_errors():
    """Run builds from a config; a misspelled type or keyword becomes a ConfigBuildError."""
    try:
        yield
    except (KeyError, TypeError) as err:
        line = explain_build_error(err)
        if line is None:
            raise
        raise ConfigBuildError(line) from None
