"""One real training iteration of the DeiT-protocol fine-grained configs on real files.

The protocol's values are pinned with every fine-grained leaf in
test_paper_scale_fgvc_configs.py; here each backbone's CUB leaf trains one iteration on the
digits written as CUB-200-2011 text files, through its own pipeline, sampler, batch mixing and
optimiser wrapper.
"""
import copy

import pytest
import torch
from mmengine.registry import init_default_scope

import tlalign_mm  # noqa: F401
from mmpretrain.registry import MODELS

from .one_step import gradient_norms, moved, train_one_iteration, with_preprocessor
from .test_paper_scale_fgvc_configs import ARCHS, load


@pytest.mark.parametrize('arch', ARCHS)
def test_one_training_iteration_on_a_cub_folder(arch, digits_root, tmp_path, monkeypatch):
    """The protocol's pipeline (RandAugment), sampler, Mixup/CutMix and AMP wrapper on real
    CUB-format files, at 64 px (Swin's windows padded at that size); the pre-training checkpoint
    is not loaded (there is none)."""
    torch.manual_seed(0)
    monkeypatch.setenv('CUB_ROOT', str(digits_root / 'digits_cub'))
    cfg = copy.deepcopy(load(arch, 'finetune-1000e', 'cub-224'))
    assert cfg.train_dataloader.dataset.data_root == str(digits_root / 'digits_cub')
    for step in cfg.train_dataloader.dataset.pipeline:
        if step.type == 'RandomResizedCrop':
            step.scale = 64
    init_default_scope('mmpretrain')
    backbone = dict(cfg.model.backbone, img_size=64, init_cfg=None)
    if arch == 'swin-tiny':  # 64 px leaves the last stages smaller than a 7x7 window
        backbone['pad_small_map'] = True
    model = MODELS.build(copy.deepcopy(dict(cfg.model, backbone=backbone)))
    model = with_preprocessor(model, cfg, MODELS)
    first = 'backbone.patch_embed.projection.weight'
    last = 'head.layers.head.weight' if arch == 'deit-small' else 'head.fc.weight'
    with gradient_norms(model, [first, last]) as norms:
        runner, updated = moved(model, [last],
                                lambda: train_one_iteration(cfg, model, tmp_path))
    assert type(runner.optim_wrapper).__name__ == 'CPUBf16AmpOptimWrapper'
    assert runner.iter == 1
    assert torch.isfinite(torch.tensor(runner.message_hub.get_scalar('train/loss').current()))
    # The backward pass reached the patch embedding; its gradient is zero at this first step
    # because the classification head starts at zero (mmpretrain's init for ViT heads).
    assert sorted(norms) == sorted([first, last]) and norms[last] > 0
    assert updated == {last}
