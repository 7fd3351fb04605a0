"""Importing tlalign_mm only adds names: no entry of any OpenMMLab registry, no mmengine
checkpoint scheme and no file backend changes, and mmdet / mmseg configs that list it in
``custom_imports`` build the same pipelines. The safety behaviours come with install_safety()."""
import json
import subprocess
import sys

from ..conftest import ROOT

SNAPSHOT = r'''
import importlib, json, sys
import mmcv.transforms, mmengine.registry
import mmpretrain.models, mmpretrain.datasets, mmpretrain.registry
import mmseg.models, mmseg.datasets, mmseg.registry
import mmdet.models, mmdet.datasets, mmdet.registry
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.fileio import io as mmengine_io
from mmengine.fileio.backends import registry_utils
from mmengine.registry import DefaultScope, Registry
from mmengine.runner.checkpoint import CheckpointLoader

REGISTRY_MODULES = ['mmengine.registry', 'mmcv.transforms', 'mmpretrain.registry',
                    'mmseg.registry', 'mmdet.registry']


def state():
    entries = {}
    for name in REGISTRY_MODULES:
        for attr, registry in vars(importlib.import_module(name)).items():
            if isinstance(registry, Registry):
                for key, value in registry.module_dict.items():
                    entries[f'{name}.{attr}[{key}]'] = id(value)
    entries.update({f'checkpoint scheme {k!r}': id(v)
                    for k, v in CheckpointLoader._schemes.items()})
    entries.update({f'file backend {k!r}': id(v) for k, v in registry_utils.backends.items()})
    entries.update({f'file prefix {k!r}': id(v)
                    for k, v in registry_utils.prefix_to_backends.items()})
    entries.update({f'backend instance {k!r}': id(type(v))
                    for k, v in mmengine_io.backend_instances.items()})
    return entries


BASES = dict(mmdet='mmdet::_base_/datasets/coco_instance.py',
             mmseg='mmseg::_base_/datasets/ade20k.py')
folder = sys.argv[1]


def pipelines(plugin):
    """Each scope's train pipeline from a config of the user's: ``_base_`` the library's
    dataset config, with or without ``custom_imports=['tlalign_mm']``."""
    out = {}
    for scope, base in BASES.items():
        path = f'{folder}/{scope}_{plugin}.py'
        with open(path, 'w') as f:
            f.write(f'_base_ = [{base!r}]\n')
            if plugin:
                f.write("custom_imports = dict(imports=['tlalign_mm'], "
                        "allow_failed_imports=False)\n")
        cfg = Config.fromfile(path)  # imports the custom_imports
        with DefaultScope.overwrite_default_scope(scope):
            out[scope] = [f'{type(t).__module__}.{type(t).__name__}'
                          for t in Compose(cfg.train_pipeline).transforms]
    return out


mmengine_io.get_file_backend('/tmp', enable_singleton=True)  # cached before the import
before, built = state(), pipelines(False)
after_pipelines = pipelines(True)  # imports tlalign_mm, as a user's config does
assert 'tlalign_mm' in sys.modules
after = state()
changed = sorted(k for k in before if after.get(k) != before[k])
result = dict(changed=changed, added=len(set(after) - set(before)), pipelines_before=built,
              pipelines_after=after_pipelines)
if len(sys.argv) > 2:  # then the explicit call: the safety behaviours replace entries
    import tlalign_mm
    tlalign_mm.install_safety()
    final = state()
    result['installed'] = sorted(k for k in after if final.get(k) != after[k])
    result['pipelines_installed'] = pipelines(True)
print('RESULT' + json.dumps(result))
'''


def snapshot(folder, *args):
    out = subprocess.run([sys.executable, '-c', SNAPSHOT, str(folder), *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(l for l in out.stdout.splitlines() if l.startswith('RESULT'))
    return json.loads(line[len('RESULT'):])


def test_import_adds_names_and_changes_nothing(tmp_path):
    result = snapshot(tmp_path, 'install')
    assert result['changed'] == []
    assert result['added'] > 50  # the project's own names were registered
    assert result['pipelines_after'] == result['pipelines_before']
    assert result['pipelines_before']['mmdet'][0] == 'mmcv.transforms.loading.LoadImageFromFile'
    assert result['pipelines_before']['mmseg'][0] == 'mmcv.transforms.loading.LoadImageFromFile'
    # install_safety() is what changes them, and only these
    # (mmcv's TRANSFORMS is mmengine's, also imported by mmpretrain and mmdet as
    # MMENGINE_TRANSFORMS; mmseg resolves through it)
    stock_transforms = {f'{module}[LoadImageFromFile]' for module in (
        'mmcv.transforms.TRANSFORMS', 'mmengine.registry.TRANSFORMS',
        'mmpretrain.registry.MMENGINE_TRANSFORMS', 'mmdet.registry.MMENGINE_TRANSFORMS',
        'mmpretrain.registry.TRANSFORMS')}
    cached = [k for k in result['installed'] if k.startswith('backend instance')]
    assert len(cached) == 1  # the plain local backend cached before is dropped
    assert set(result['installed']) == stock_transforms | {
        "checkpoint scheme ''", "file backend 'local'", "file prefix ''", *cached}
    checked = 'tlalign_mm.datasets.checked_loading.CheckedLoadImageFromFile'
    assert result['pipelines_installed']['mmdet'][0] == checked
    assert result['pipelines_installed']['mmseg'][0] == checked
