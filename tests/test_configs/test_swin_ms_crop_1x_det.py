"""COCO 1x with the Swin paper's multi-scale training, beside mmdet's single-scale 1x.

The Swin authors' Mask R-CNN 1x config (Swin-T: 43.7 box AP, 39.8 mask AP) trains with short
sides 480-800 (step 32, long side <= 1333) or a 400-600 resize + 384-600 crop branch, drop path
0.1 and fp16 (--amp here: mmcv's CPU detection ops take no bfloat16, so the files stay fp32
and CPU runs work). The values are pinned here as literals; the architecture, class counts and
checkpoint wiring are checked with every det config in test_paper_scale_seg_det_configs.py.
Each config then runs one real training iteration on the digits written as COCO (JSON with
polygon masks), through its own multi-scale pipeline with every size divided by 8; the other
overrides are the digits' class names and a RoI sampling budget sized for a few digits.
"""
import pytest
import torch
from mmengine.registry import init_default_scope

import tlalign_mm  # noqa: F401

from .one_step import gradient_norms, moved, train_one_iteration
from .test_paper_scale_seg_det_configs import (  # noqa: F401  (fixtures)
    load, one_thread)

# config -> (drop path, single-scale sibling)
MS_1X = {
    'mask-rcnn_swin-tiny_fpn_ms-crop-1x_coco.py': (0.1, 'mask-rcnn_swin-tiny_fpn_1x_coco.py'),
    'mask-rcnn_swin-small_fpn_ms-crop-1x_coco.py': (0.2, 'mask-rcnn_swin-small_fpn_1x_coco.py'),
}
SHORT_SIDES = [480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800]
DIGITS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')


@pytest.mark.parametrize('name', MS_1X)
def test_swin_paper_multi_scale_1x(name):
    drop_path, single_scale = MS_1X[name]
    cfg = load('det', name)
    assert cfg.model.backbone.drop_path_rate == drop_path
    assert (cfg.train_cfg.max_epochs, cfg.param_scheduler[1].milestones) == (12, [8, 11])
    assert (cfg.optim_wrapper.type, cfg.optim_wrapper.optimizer.lr,
            cfg.optim_wrapper.optimizer.weight_decay) == ('OptimWrapper', 1e-4, 0.05)
    assert cfg.default_hooks.checkpoint.max_keep_ckpts == 3
    flip, choice = cfg.train_dataloader.dataset.pipeline[2:4]
    assert (flip.type, flip.prob, choice.type) == ('RandomFlip', 0.5, 'RandomChoice')
    (multi_scale, ), (resize, crop, rescale) = choice.transforms
    assert multi_scale.scales == rescale.scales == [(s, 1333) for s in SHORT_SIDES]
    assert multi_scale.keep_ratio and rescale.keep_ratio and resize.keep_ratio
    assert resize.scales == [(400, 1333), (500, 1333), (600, 1333)]
    assert (crop.crop_type, crop.crop_size) == ('absolute_range', (384, 600))
    # testing stays mmdet's single scale, as in the single-scale sibling
    sibling = load('det', single_scale)
    assert cfg.test_dataloader.dataset.pipeline == sibling.test_dataloader.dataset.pipeline
    resize_test = [t for t in cfg.test_dataloader.dataset.pipeline if t.type == 'Resize']
    assert [t.scale for t in resize_test] == [(1333, 800)]


def shrink(value):
    """Every size in the multi-scale pipeline divided by 8 (scales and crop sizes)."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, int) for v in value):
        return type(value)(v // 8 for v in value)
    if isinstance(value, (list, tuple)):
        return type(value)(shrink(v) for v in value)
    if isinstance(value, dict):
        return {k: shrink(v) if k in ('scales', 'crop_size', 'transforms') else v
                for k, v in value.items()}
    return value


@pytest.mark.parametrize('name', MS_1X)
def test_one_training_iteration_on_a_coco_folder(name, digits_root, tmp_path, monkeypatch):
    torch.manual_seed(0)
    monkeypatch.setenv('COCO_ROOT', str(digits_root / 'digits_coco') + '/')
    cfg = load('det', name)
    dataset = cfg.train_dataloader.dataset
    assert dataset.data_root == str(digits_root / 'digits_coco') + '/'
    dataset.metainfo = dict(classes=DIGITS)
    dataset.pipeline = [shrink(step) for step in dataset.pipeline]
    assert dataset.pipeline[3].transforms[0][0].scales[0] == (60, 166)
    # RoI budgets for a scene of a few digits (as the digits det configs): 512 sampled RoIs
    # would put ~128 positives through the mask head's convolutions, seconds on a CPU
    cfg.model.train_cfg.rcnn.sampler.num = 32

    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    model = MODELS.build(dict(cfg.model, backbone=dict(cfg.model.backbone, init_cfg=None)))
    watched = ['backbone.patch_embed.projection.weight', 'rpn_head.rpn_cls.weight',
               'roi_head.mask_head.conv_logits.weight']
    with gradient_norms(model, watched) as norms:
        runner, updated = moved(model, watched[1:],
                                lambda: train_one_iteration(cfg, model, tmp_path, samples=1))
    assert type(runner.optim_wrapper).__name__ == 'OptimWrapper'
    assert runner.iter == 1
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert torch.isfinite(torch.tensor(loss)) and loss > 0
    # RPN, box and mask losses all reached the backbone; the heads took an optimiser step
    assert sorted(norms) == sorted(watched) and min(norms.values()) > 0
    assert updated == set(watched[1:])
