"""tools/dist_train.sh with two CPU processes (gloo), with TL-Align and with TransMix: the run
trains, validates and checkpoints as one distributed job, and each rank's loss gets the aligned
label of its own samples, equal to a single-process recomputation from the same weights, mixed
batch and mix record; the short last batch of the epoch works too."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from tlalign_mm.alignment import align_mixed_labels
from tlalign_mm.augments import MixRecord
from tlalign_mm.engine.hooks import TLAlignHook, TransMixHook

from ..conftest import ROOT, config_path

BATCH = 64  # 600 train images -> 300 per rank -> 4 batches of 64 and a last one of 44
CONFIGS = {TLAlignHook: ('deit-digits_tlalign_digits.py', "dict(type='TLAlignHook')"),
           TransMixHook: ('deit-digits_transmix_digits.py', "dict(type='TransMixHook')")}


def dist_run(tmp_path, hook_type, port):
    name, hook = CONFIGS[hook_type]
    dumps = tmp_path / 'dumps'
    config = tmp_path / 'dist_labels.py'
    config.write_text(
        f"_base_ = [{config_path('pretrain', 'deit', name)!r}]\n"
        "custom_imports = dict(imports=['tlalign_mm', 'tests.test_tools.label_dump_hook'],\n"
        "                      allow_failed_imports=False)\n"
        f"custom_hooks = [{hook}, dict(type='LabelDumpHook', out_dir={str(dumps)!r})]\n")
    options = ['train_cfg.max_epochs=1', f'train_dataloader.batch_size={BATCH}',
               'train_dataloader.num_workers=0', '+train_dataloader.persistent_workers=False',
               'val_dataloader.num_workers=0', '+val_dataloader.persistent_workers=False',
               'model.backbone.drop_path_rate=0.0']
    env = dict(os.environ, PORT=str(port), PYTHON=sys.executable, OMP_NUM_THREADS='1')
    out = subprocess.run(['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir',
                          str(tmp_path / 'work'), '--cfg-options', *options],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    # one job of two processes, wrapped for CPU, validated and checkpointed at the epoch's end
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert "type='CPUDistributedDataParallel'" in log
    assert 'Epoch(val) [1]' in log and 'accuracy/top1' in log
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')
    return str(config), sorted(glob.glob(str(dumps / '*.pth')))


def reference_labels(model, hook_type, dump):
    """The hook's label for the dumped batch, recomputed in this (single) process."""
    model.load_state_dict(dump['state_dict'])
    record = MixRecord(**dump['record'])
    return align_mixed_labels(model, dump['inputs'], record, hook_type().rewriter).image


@pytest.mark.parametrize('hook_type,port', [(TLAlignHook, 29531), (TransMixHook, 29533)])
def test_each_rank_gets_its_own_aligned_labels(digits_root, tmp_path, hook_type, port):
    config, dumps = dist_run(tmp_path, hook_type, port)
    names = sorted(osp.basename(p) for p in dumps)
    assert names == ['rank0_iter1.pth', 'rank0_iter5.pth', 'rank1_iter1.pth',
                     'rank1_iter5.pth']
    cfg = Config.fromfile(config)
    cfg.model.backbone.drop_path_rate = 0.0
    cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)  # as the Runner does
    model = MODELS.build(cfg.model).train()
    by_iter = {}
    for path in dumps:
        dump = torch.load(path, weights_only=True)
        batch = len(dump['sample_idx'])
        assert batch == (BATCH if path.endswith('iter1.pth') else 300 - 4 * BATCH)
        # the rank's mixed images are the recorded blend of its own (normalised) images
        own = model.data_preprocessor({'inputs': dump['raw_inputs']}, False)['inputs']
        mask = dump['record']['own_mask'][:, None]
        torch.testing.assert_close(dump['inputs'],
                                   mask * own + (1 - mask) * own[dump['record']['partner']])
        with torch.no_grad():
            expected = reference_labels(model, hook_type, dump)
        torch.testing.assert_close(dump['gt_score'], expected, rtol=0, atol=1e-6)
        if hook_type is TLAlignHook:  # token-CutMix: tracing moves every label off the area
            assert not torch.equal(dump['gt_score'], MixRecord(**dump['record']).mixed_score())
        by_iter.setdefault(path[-9:], []).append(set(dump['sample_idx']))
    for ranks in by_iter.values():  # the two ranks trained on different samples
        assert len(ranks) == 2 and not ranks[0] & ranks[1]
