"""Checks run before a runner is built, so bad input fails in one line instead of a deep trace."""
import os
import os.path as osp
import re
from typing import Dict, Optional

from ..errors import TLAlignError


class DatasetRootError(TLAlignError, FileNotFoundError):
    """A dataset's ``data_root`` (or an annotation file under it) does not exist."""


class ClassCountError(TLAlignError, ValueError):
    """A head predicts a different number of classes than the dataset defines."""


def _iter_datasets(dataset_cfg, where):
    """Yield (where, cfg) for a dataset config and every dataset it wraps."""
    if dataset_cfg is None:
        return
    if isinstance(dataset_cfg, (list, tuple)):
        for i, item in enumerate(dataset_cfg):
            yield from _iter_datasets(item, f'{where}[{i}]')
        return
    yield where, dataset_cfg
    if 'dataset' in dataset_cfg:
        yield from _iter_datasets(dataset_cfg['dataset'], f'{where}.dataset')
    if 'datasets' in dataset_cfg:
        yield from _iter_datasets(dataset_cfg['datasets'], f'{where}.datasets')


def dataset_configs(cfg, loaders=('train_dataloader', 'val_dataloader', 'test_dataloader')):
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if loader_cfg:
            yield from _iter_datasets(loader_cfg.get('dataset'), f'{loader}.dataset')


_ENV_ROOT = re.compile(r'\{\{\$(\w+):([^}]*)\}\}')  # mmengine's {{$VAR:default}}
DIGITS_VARIABLE = 'TLALIGN_DATA_ROOT'


def root_variables(cfg) -> Dict[str, str]:
    """``{variable: default}`` of every ``{{$VAR:default}}`` in the config and its bases (the
    text mmengine keeps), so a missing root can be named by the variable that sets it."""
    text = getattr(cfg, 'text', '') or ''
    return dict(_ENV_ROOT.findall(text))


def _setting(root: str, variables: Dict[str, str]) -> Optional[str]:
    """The variable whose value ``root`` lies under (the longest such value wins)."""
    root = root.rstrip('/') + '/'
    matches = [(len(value), variable) for variable, default in variables.items()
               for value in [os.environ.get(variable, default).rstrip('/') + '/']
               if value != '/' and root.startswith(value)]
    return max(matches)[1] if matches else None


def _missing_root_hint(root: str, variables: Dict[str, str]) -> str:
    variable = _setting(root, variables)
    if variable == DIGITS_VARIABLE:
        return ('create it with `python tools/dataset_converters/make_digits_datasets.py` '
                f'(the demo data) or set ${variable}')
    if variable is not None:
        state = ('is set to ' + repr(os.environ[variable]) if variable in os.environ
                 else 'is not set')
        return f'set ${variable} to your copy (it {state}) or pass --cfg-options'
    return 'pass --cfg-options to point at your copy'


def check_data_roots(cfg, loaders=('train_dataloader', 'val_dataloader', 'test_dataloader')):
    """Raise :class:`DatasetRootError` naming the first missing data root or annotation file,
    and the environment variable that sets the root where the config reads one."""
    variables = root_variables(cfg)
    for where, ds in dataset_configs(cfg, loaders):
        root = ds.get('data_root')
        if root and not osp.isdir(root):
            raise DatasetRootError(f'dataset root not found: {root} ({where}.data_root); '
                                   f'{_missing_root_hint(root, variables)}')
        ann = ds.get('ann_file')
        if root and ann:
            path = ann if osp.isabs(ann) else osp.join(root, ann)
            if not osp.exists(path):
                raise DatasetRootError(f'annotation file not found: {path} ({where}.ann_file)')


def head_num_classes(model_cfg, path='model'):
    """Every ``num_classes`` in a model config with its key path.

    Region-proposal heads are class-agnostic (``num_classes=1`` by design) and are skipped.
    """
    found = []
    if isinstance(model_cfg, dict):
        for key, value in model_cfg.items():
            sub = f'{path}.{key}'
            if key == 'num_classes' and isinstance(value, int) and 'rpn' not in path:
                found.append((sub, value))
            elif isinstance(value, (dict, list, tuple)):
                found += head_num_classes(value, sub)
    elif isinstance(model_cfg, (list, tuple)):
        for i, item in enumerate(model_cfg):
            found += head_num_classes(item, f'{path}[{i}]')
    return found


def check_num_classes(model_cfg, classes, dataset_name='dataset'):
    """Raise :class:`ClassCountError` if any head disagrees with the dataset's class list."""
    if not classes:
        return
    wanted = len(classes)
    wrong = [(p, n) for p, n in head_num_classes(model_cfg) if n != wanted]
    if wrong:
        heads = ', '.join(f'{p}={n}' for p, n in wrong)
        raise ClassCountError(
            f'class-count mismatch: {dataset_name} defines {wanted} classes but {heads}; '
            f'set num_classes={wanted} (e.g. --cfg-options) or use the matching dataset')
