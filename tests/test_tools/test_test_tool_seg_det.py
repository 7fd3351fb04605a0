"""tools/test.py on the tiny segmentation and detection configs reports the real evaluators'
metrics (mmseg IoUMetric, mmdet CocoMetric) after a short training run."""
import json
import os.path as osp

from ..conftest import config_path
from .test_train_resume_dist import run_tool

WORKERS = ['train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
           'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
           'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']


def test_segmentation_test_prints_miou(digits_root, tmp_path):
    cfg = config_path('seg', 'upernet_deit-digits_digits-ade20k.py')
    work = str(tmp_path / 'seg')
    out = run_tool(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
                    'train_cfg.max_iters=30', 'train_cfg.val_interval=30',
                    'default_hooks.checkpoint.interval=30', *WORKERS])
    assert out.returncode == 0, out.stderr[-3000:]
    ckpt = osp.join(work, 'iter_30.pth')
    metrics_file = str(tmp_path / 'seg_metrics.json')
    out = run_tool(['tools/test.py', cfg, ckpt, '--work-dir', work, '--out-metrics',
                    metrics_file, '--cfg-options', *WORKERS])
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'mIoU' in log and 'per class results' in log
    metrics = json.load(open(metrics_file))
    assert 0.0 <= metrics['mIoU'] <= 100.0
    assert set(metrics) >= {'aAcc', 'mIoU', 'mAcc'}


def test_detection_test_prints_bbox_and_segm_map(digits_root, tmp_path):
    cfg = config_path('det', 'mask-rcnn_deit-digits_digits-coco.py')
    work = str(tmp_path / 'det')
    out = run_tool(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
                    'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                    'default_hooks.checkpoint.interval=1', *WORKERS])
    assert out.returncode == 0, out.stderr[-3000:]
    metrics_file = str(tmp_path / 'det_metrics.json')
    out = run_tool(['tools/test.py', cfg, osp.join(work, 'epoch_1.pth'), '--work-dir', work,
                    '--out-metrics', metrics_file, '--cfg-options', *WORKERS])
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'Evaluating bbox' in log and 'Evaluating segm' in log
    metrics = json.load(open(metrics_file))
    for key in ('coco/bbox_mAP', 'coco/segm_mAP', 'coco/bbox_mAP_50'):
        assert 0.0 <= metrics[key] <= 1.0
