"""The tiny Swin TL-Align checkpoint (the shared digits run) through the tiny Swin segmentation
and detection configs."""

import pytest
import torch

from tlalign_mm.benchmark.runner import pretrained_init
from tlalign_mm.utils.checkpoint import safe_torch_load

from ..conftest import LOADERS_IN_MAIN_PROCESS, ONE_THREAD, config_path
from .test_tlalign_training import logged

SEG = config_path('seg', 'upernet_swin-digits_digits-ade20k.py')
DET = config_path('det', 'mask-rcnn_swin-digits_digits-coco.py')
WORKERS = LOADERS_IN_MAIN_PROCESS


@pytest.mark.parametrize('config,schedule', [
    (SEG, ['train_cfg.max_iters=2', 'train_cfg.val_interval=100']),
    (DET, ['train_cfg.max_epochs=1', 'train_cfg.val_interval=100',
           '+train_dataloader.dataset.indices=8']),
], ids=['seg', 'det'])
def test_checkpoint_goes_through_the_dense_configs(trained_digits, config, schedule, tmp_path,
                                                    tool):
    from launch_utils import build_runner, load_config

    checkpoint = trained_digits('swin_tlalign').checkpoint
    out = tool(['tools/train.py', config, '--work-dir', str(tmp_path / 'train'),
                '--cfg-options', *pretrained_init(checkpoint), *schedule,
                'train_dataloader.batch_size=4', 'default_hooks.logger.interval=1',
                # mmengine validates after the last iteration whatever val_interval says
                '+val_dataloader.dataset.indices=4', *WORKERS], env_extra=ONE_THREAD)
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
