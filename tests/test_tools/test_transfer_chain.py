"""The transfer chain on the tiny configs: pre-train -> checkpoint -> downstream training started
from it with `--cfg-options pretrained=CKPT` -> a test with the real evaluator (mmseg IoUMetric,
mmdet CocoMetric, mmpretrain Accuracy): by tools/test.py (detection) or by the training process
after training (`tools/train.py --out-metrics`, segmentation and fine-grained)."""
import json
import os.path as osp
import re

import pytest
import torch

from ..conftest import config_path

WORKERS = ['train_dataloader.num_workers=0', '+train_dataloader.persistent_workers=False',
           'val_dataloader.num_workers=0', '+val_dataloader.persistent_workers=False',
           'test_dataloader.num_workers=0', '+test_dataloader.persistent_workers=False']
SEG = config_path('seg', 'upernet_deit-digits_digits-ade20k.py')
DET = config_path('det', 'mask-rcnn_deit-digits_digits-coco.py')
FGVC = config_path('fgvc', 'deit-digits_finetune_digits-cub.py')


@pytest.fixture(scope='module')
def deit_checkpoint(trained_digits):
    """The shared tiny DeiT classifier checkpoint (digits TL-Align pre-training)."""
    return trained_digits('deit_tlalign').checkpoint


def transfer(tool, config, checkpoint, work, schedule, metrics_file, test_options=None):
    """Train from ``checkpoint``, then test the last checkpoint: in a tools/test.py run when
    ``test_options`` are given, else in the training process itself (``--out-metrics``)."""
    in_process = ['--out-metrics', metrics_file] if test_options is None else []
    out = tool(['tools/train.py', config, '--work-dir', work, *in_process, '--cfg-options',
                f'pretrained={checkpoint}', *schedule, *WORKERS])
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert f'pretrained backbone from {checkpoint}' in log
    if in_process:
        assert '(test) [' in log  # the test loop ran after training (Epoch or Iter)
        return log, json.load(open(metrics_file))
    last = open(osp.join(work, 'last_checkpoint')).read().strip()
    out = tool(['tools/test.py', config, last, '--work-dir', work, '--out-metrics',
                metrics_file, '--cfg-options', *test_options, *WORKERS])
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout + out.stderr, json.load(open(metrics_file))


def logged(log, metric):
    """The last value of ``metric`` the test runner logged (mmengine prints 4 decimals)."""
    return float(re.findall(re.escape(metric) + r': ([0-9.]+)', log)[-1])


def test_segmentation_chain(deit_checkpoint, tmp_path, tool):
    log, metrics = transfer(tool, SEG, deit_checkpoint, str(tmp_path / 'seg'),
                            ['train_cfg.max_iters=30', 'train_cfg.val_interval=30',
                             'default_hooks.checkpoint.interval=30'],
                            str(tmp_path / 'seg.json'))
    assert 'mIoU' in log and 'per class results' in log
    assert set(metrics) >= {'aAcc', 'mIoU', 'mAcc'}
    for key in ('aAcc', 'mIoU', 'mAcc'):  # the file holds what IoUMetric computed
        assert metrics[key] == pytest.approx(logged(log, key), abs=5e-5)


def test_detection_chain(deit_checkpoint, tmp_path, tool):
    # Mask R-CNN is the slowest tiny model: one epoch over 32 of the 200 train images and
    # 8 evaluation images run the same chain.
    log, metrics = transfer(tool, DET, deit_checkpoint, str(tmp_path / 'det'),
                            ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                             'default_hooks.checkpoint.interval=1',
                             '+train_dataloader.dataset.indices=32',
                             '+val_dataloader.dataset.indices=8'],
                            str(tmp_path / 'det.json'),
                            # One epoch leaves scores low: keep every box so CocoMetric has
                            # detections to evaluate.
                            test_options=['model.test_cfg.rcnn.score_thr=0.0',
                                          '+test_dataloader.dataset.indices=8'])
    assert 'Evaluating bbox' in log and 'Evaluating segm' in log
    for key in ('coco/bbox_mAP', 'coco/segm_mAP', 'coco/bbox_mAP_50'):
        assert metrics[key] == pytest.approx(logged(log, key), abs=5e-5)


def test_fine_grained_chain(deit_checkpoint, tmp_path, tool):
    log, metrics = transfer(tool, FGVC, deit_checkpoint, str(tmp_path / 'fgvc'),
                            ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                             'default_hooks.checkpoint.interval=1'],
                            str(tmp_path / 'fgvc.json'))
    assert metrics['accuracy/top1'] == pytest.approx(logged(log, 'accuracy/top1'), abs=5e-5)


@pytest.mark.parametrize('config', [SEG, DET, FGVC], ids=['seg', 'det', 'fgvc'])
def test_initialised_backbone_equals_checkpoint(deit_checkpoint, config, tmp_path):
    """After init_weights every backbone tensor is the checkpoint's; the position embedding is
    the checkpoint's resized to the downstream grid (mmpretrain's own resize)."""
    from launch_utils import build_runner, load_config
    from mmpretrain.models.utils import resize_pos_embed

    cfg = load_config(config, {'pretrained': deit_checkpoint}, str(tmp_path), 'none')
    runner = build_runner(cfg, ('train_dataloader', ), check_pretrained=True)
    backbone = runner.model.backbone
    runner.model.init_weights()
    state = torch.load(deit_checkpoint, map_location='cpu', weights_only=True)['state_dict']
    own = backbone.state_dict()
    compared = 0
    for key, value in own.items():
        source = state.get('backbone.' + key)
        if source is None:
            continue
        if key == 'pos_embed' and source.shape != value.shape:
            side = int(((source.shape[1] - 1))**0.5)
            source = resize_pos_embed(source, (side, side), backbone.patch_resolution,
                                      backbone.interpolate_mode, backbone.num_extra_tokens)
        torch.testing.assert_close(value, source, rtol=0, atol=0, msg=key)
        compared += 1
    missing = [k for k in own if 'backbone.' + k not in state]
    assert missing == []  # the tiny DeiT's backbone keys all come from the checkpoint
    assert compared == len(own)


def test_missing_checkpoint_is_one_line_error(digits_root, tmp_path, tool):
    work = tmp_path / 'seg'
    out = tool(['tools/train.py', SEG, '--work-dir', str(work), '--cfg-options',
                'pretrained=/nonexistent/epoch_300.pth', *WORKERS])
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == (
        'error: pretrained checkpoint not found: /nonexistent/epoch_300.pth '
        '(model.backbone.init_cfg.checkpoint); train the pre-training config first or pass '
        '--cfg-options pretrained=PATH')
    assert not work.exists() or not list(work.rglob('*.pth'))


def test_mismatched_backbone_keys_fail_before_training(deit_checkpoint, tmp_path, tool):
    """A checkpoint of another model (here: the tiny DeiT's head renamed as a backbone, and a
    checkpoint without the `backbone.` prefix) fails before any iteration."""
    state = torch.load(deit_checkpoint, map_location='cpu', weights_only=True)['state_dict']
    foreign = {'backbone.' + k.replace('backbone.', 'trunk.'): v for k, v in state.items()}
    no_prefix = {k.replace('backbone.', ''): v for k, v in state.items()}
    cases = {'foreign.pth': ('does not fit VisionTransformer', 'of the backbone weights'),
             'no_prefix.pth': ("has no weights under prefix 'backbone.'", 'top-level keys')}
    torch.save({'state_dict': foreign}, tmp_path / 'foreign.pth')
    torch.save({'state_dict': no_prefix}, tmp_path / 'no_prefix.pth')
    for name, expected in cases.items():
        work = tmp_path / f'work_{name}'
        out = tool(['tools/train.py', FGVC, '--work-dir', str(work), '--cfg-options',
                    f'pretrained={tmp_path / name}', *WORKERS])
        assert out.returncode != 0
        last = out.stderr.strip().splitlines()[-1]
        assert last.startswith('error: ') and all(e in last for e in expected), last
        assert 'Epoch(train)' not in out.stdout + out.stderr
        assert not list(work.rglob('*.pth'))
