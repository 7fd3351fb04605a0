"""One root for every error the package raises at users, so the tools catch one class."""
import importlib
import inspect
import pkgutil
import subprocess

import tlalign_mm
from tlalign_mm.errors import TLAlignError, ToolInputError

from ..conftest import ROOT


def package_exceptions():
    found = {}
    for info in pkgutil.walk_packages(tlalign_mm.__path__, 'tlalign_mm.'):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException)
                    and obj.__module__.startswith('tlalign_mm')):
                found[f'{obj.__module__}.{name}'] = obj
    return found


def test_every_package_error_derives_from_the_root():
    errors = package_exceptions()
    assert len(errors) > 25
    outside = sorted(name for name, cls in errors.items() if not issubclass(cls, TLAlignError))
    assert outside == []
    # and keeps the builtin it always was, so existing except clauses still catch it
    from tlalign_mm.datasets.data_errors import UnreadableImageError
    from tlalign_mm.utils.config_checks import DatasetRootError
    assert issubclass(UnreadableImageError, ValueError)
    assert issubclass(DatasetRootError, FileNotFoundError)


def test_tools_define_no_error_class_of_their_own_for_bad_input():
    listed = subprocess.run(['git', 'grep', '-n', 'class ToolInputError', '--', 'tools'],
                            cwd=ROOT, capture_output=True, text=True).stdout
    assert listed == ''
    assert issubclass(ToolInputError, TLAlignError)
