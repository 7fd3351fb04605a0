"""One training iteration of each larger recipe config on data in the real format: LV-ViT-L's
pre-training, the LV-ViT M/L and iFormer B/L high-resolution fine-tunes, iFormer B/L with repeated
augmentation, and the LV-ViT M/L side-layer ADE20K configs.

The config's own model (full depth and width), dataset class, sampler, pipeline, optimiser and
schedulers run; the changes are for the CPU only: 64 px crops (the models take other sizes
through their position embeddings), a 4 x 4 token-label grid to match, fp32 instead of the
recipe's AMP, two samples. The S configs train in their families' own test files.
"""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

from ..conftest import config_path
from ..test_token_labeling.test_lvvit_configs import synthetic_score_maps, train_segmentation
from .one_step import gradient_norms, train_one_iteration, with_preprocessor

CROP = 64
CLASSIFIERS = [
    'lvvit/lvvit-l_token-labeling_8xb128_in1k',
    'lvvit/lvvit-m_token-labeling_finetune-384px_8xb64_in1k',
    'lvvit/lvvit-m_token-labeling_finetune-448px_8xb64_in1k',
    'lvvit/lvvit-l_token-labeling_finetune-448px_8xb64_in1k',
    'iformer/iformer-base_mixup-cutmix_8xb128_in1k',
    'iformer/iformer-large_mixup-cutmix_8xb128_in1k',
    'iformer/iformer-base_finetune-384px_8xb64_in1k',
    'iformer/iformer-large_finetune-384px_8xb64_in1k',
]


def cropped_for_the_cpu(pipeline):
    for step in pipeline:
        if step['type'] == 'ScoreMapAugmentedCrop':
            step['crop']['scale'] = CROP
        elif step['type'] == 'RandomResizedCrop':
            step['scale'] = CROP
        elif step['type'] == 'TokenLabelTargets':
            step['grid_size'] = CROP // 16


@pytest.mark.parametrize('name', CLASSIFIERS)
def test_classifier_config_trains_an_iteration(name, digits_root, tmp_path, monkeypatch):
    imagenet = digits_root / 'digits_imagenet'
    monkeypatch.setenv('IMAGENET_ROOT', str(imagenet))
    monkeypatch.setenv('TOKEN_LABEL_ROOT', str(tmp_path / 'maps'))
    cfg = Config.fromfile(config_path('pretrain', name + '.py'))
    if 'token-labeling' in name:
        synthetic_score_maps(tmp_path / 'maps', imagenet)
    cropped_for_the_cpu(cfg.train_dataloader.dataset.pipeline)
    cfg.optim_wrapper.type = 'OptimWrapper'
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = with_preprocessor(MODELS.build(copy.deepcopy(cfg.model)), cfg, MODELS)
    head = next(n for n, _ in model.named_parameters() if n.startswith('head.'))
    with gradient_norms(model, [head]) as norms:
        runner = train_one_iteration(cfg, model, tmp_path / 'work', samples=2)
    assert runner.iter == 1 and norms[head] > 0
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert np.isfinite(loss) and loss > 0


@pytest.mark.parametrize('arch', ['m', 'l'])
def test_side_layer_segmentation_config_trains_an_iteration(arch, digits_root, tmp_path,
                                                            monkeypatch):
    monkeypatch.setenv('ADE20K_ROOT', str(digits_root / 'digits_ade20k'))
    cfg = Config.fromfile(config_path(
        'seg', f'upernet_lvvit-{arch}_side-layers_8xb2-160k_ade20k-512x512.py'))
    cfg.model.backbone.init_cfg = None  # no classifier checkpoint here (the S test loads one)
    runner = train_segmentation(cfg, tmp_path / 'seg', iterations=1, crop=CROP)
    assert runner.iter == 1 and type(runner.model.neck).__name__ == 'LVViTSideLayers'
    hub = runner.message_hub
    assert all(np.isfinite(hub.get_scalar(k).current())
               for k in ('train/decode.loss_ce', 'train/aux.loss_ce'))
