"""Tiny Swin through the real mmengine runner: TL-Align pre-training on digits, then its checkpoint
through the tiny Swin segmentation and detection configs."""
import os.path as osp

import pytest
import torch

from tlalign_mm.benchmark.runner import pretrained_init
from tlalign_mm.utils.checkpoint import safe_torch_load

from ..conftest import config_path
from ..test_tools.test_train_resume_dist import run_tool
from .test_tlalign_training import check_12_epochs_learnt_with_gap, logged

TLALIGN = config_path('pretrain', 'swin', 'swin-digits_tlalign_digits.py')
SEG = config_path('seg', 'upernet_swin-digits_digits-ade20k.py')
DET = config_path('det', 'mask-rcnn_swin-digits_digits-coco.py')
WORKERS = [f'{loader}.{key}' for loader in ('train_dataloader', 'val_dataloader')
           for key in ('num_workers=0', 'persistent_workers=False')]
# One intra-op thread: these models are tiny (a step takes ~30 ms either way on an idle machine),
# and on a shared CPU two OpenMP threads spin against the other jobs (measured: 2.5 s a step).
ONE_THREAD = {'OMP_NUM_THREADS': '1'}


@pytest.fixture(scope='module')
def pretrained(digits_root, tmp_path_factory):
    """The TL-Align tiny Swin run (12 epochs of 19 iterations): work dir and tool output."""
    work = tmp_path_factory.mktemp('swin_tlalign')
    out = run_tool(['tools/train.py', TLALIGN, '--work-dir', str(work), '--cfg-options',
                    'default_hooks.logger.interval=5', *WORKERS], env_extra=ONE_THREAD)
    assert out.returncode == 0, out.stderr[-3000:]
    return work, out


def test_swin_tlalign_training_lowers_loss_and_logs_the_gap(pretrained):
    work, out = pretrained
    # The traced label (windows, shifts, merging) must differ from the area ratio, as for ViT.
    check_12_epochs_learnt_with_gap(work, out.stdout + out.stderr)


@pytest.mark.parametrize('config,schedule', [
    (SEG, ['train_cfg.max_iters=2', 'train_cfg.val_interval=100']),
    (DET, ['train_cfg.max_epochs=1', 'train_cfg.val_interval=100',
           'train_dataloader.dataset.indices=8']),
], ids=['seg', 'det'])
def test_checkpoint_goes_through_the_dense_configs(pretrained, config, schedule, tmp_path):
    from launch_utils import build_runner, load_config

    work, _ = pretrained
    checkpoint = osp.join(str(work), 'epoch_12.pth')
    out = run_tool(['tools/train.py', config, '--work-dir', str(tmp_path / 'train'),
                    '--cfg-options', *pretrained_init(checkpoint), *schedule,
                    'train_dataloader.batch_size=4', 'default_hooks.logger.interval=1',
                    *WORKERS], env_extra=ONE_THREAD)
    assert out.returncode == 0, out.stderr[-3000:]
    # Every backbone tensor but the new first-stage output norm (the classifier normalised only
    # its last stage) comes from the checkpoint.
    assert (f'pretrained backbone from {checkpoint}: 65/67 tensors; missing: norm0.bias, '
            'norm0.weight; unexpected: none') in out.stdout + out.stderr
    losses = logged(tmp_path / 'train', 'loss')
    assert len(losses) == 2 and all(torch.isfinite(torch.tensor(losses)))

    # The initialised backbone holds exactly the checkpoint's tensors (nothing resized: same
    # window size, so the relative position tables fit as they are).
    cfg = load_config(config, {'pretrained': checkpoint}, str(tmp_path / 'init'), 'none')
    runner = build_runner(cfg, ('train_dataloader', ), check_pretrained=True)
    runner.model.init_weights()
    own = runner.model.backbone.state_dict()
    state = safe_torch_load(checkpoint)['state_dict']
    trained = {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}
    assert sorted(set(own) - set(trained)) == ['norm0.bias', 'norm0.weight']
    assert set(trained) <= set(own)
    for key, value in trained.items():
        torch.testing.assert_close(own[key], value, rtol=0, atol=0, msg=key)
