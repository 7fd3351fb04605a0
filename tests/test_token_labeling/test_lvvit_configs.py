"""The paper-scale LV-ViT configs: the authors' recipe per arch, one real training iteration of
the ImageNet configs on an ImageNet-format folder (the digits, with synthetic 1000-class score
maps), and the LV-ViT-S ADE20K config training from an LV-ViT classifier checkpoint on an
ADE20K-format folder (crops cut to 64 px for the CPU)."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

from tlalign_mm.datasets.token_labeling import ScoreMapWriter

from ..conftest import config_path
from ..test_configs.one_step import gradient_norms, train_one_iteration, with_preprocessor

# arch -> (embed dims, drop path, lr at 8 x 128, train size, test resize, RandAugment ops: the
# authors' README trains L with rand-n3-m9-mstd0.5, the others with the default two ops)
RECIPE = dict(t=(240, 0.1, 1.6e-3, 224, 248, 2), s=(384, 0.1, 1.6e-3, 224, 248, 2),
              m=(512, 0.2, 1.6e-3, 224, 224, 2), l=(768, 0.3, 1e-3, 288, 288, 3))


def lvvit_config(name, **env):
    return Config.fromfile(config_path('pretrain', 'lvvit', name + '.py'))


@pytest.mark.parametrize('arch', list(RECIPE))
def test_recipe_per_arch(arch):
    cfg = lvvit_config(f'lvvit-{arch}_token-labeling_8xb128_in1k')
    dims, drop_path, lr, size, resize, augment_ops = RECIPE[arch]
    assert cfg.model.backbone.arch == arch and cfg.model.head.in_channels == dims
    assert cfg.model.backbone.drop_path_rate == drop_path
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(lr)
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.05
    assert cfg.train_cfg.max_epochs == 310 and cfg.param_scheduler[1]['end'] == 300
    assert cfg.model.train_cfg.augments == [dict(type='MixToken', alpha=1.0, token_size=16)]
    steps = {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}
    augment = steps['ScoreMapAugmentedCrop']
    assert augment['crop']['scale'] == size
    assert steps['TokenLabelTargets']['grid_size'] == size // 16
    assert augment['rand_augment']['magnitude_std'] == 0.5
    assert augment['rand_augment']['num_policies'] == augment_ops
    assert steps['RandomErasing']['erase_prob'] == 0.25
    assert cfg.val_dataloader.dataset.pipeline[1]['scale'] == resize
    assert cfg.custom_hooks[0]['momentum'] == pytest.approx(8e-5)


def test_lr_follows_the_total_batch(tmp_path):
    """lr = 1.6e-3 x total batch / 1024: a copy with 4 GPUs x 64 gets a quarter."""
    source = open(config_path('pretrain', 'lvvit', 'lvvit-s_token-labeling_8xb128_in1k.py')).read()
    copy_path = tmp_path / 'lvvit-s_4xb64.py'
    copy_path.write_text(source.replace('gpus, per_gpu = 8, 128', 'gpus, per_gpu = 4, 64')
                         .replace("'mmpretrain::", "'mmpretrain::"))
    cfg = Config.fromfile(str(copy_path))
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(1.6e-3 / 4)
    assert cfg.train_dataloader.batch_size == 64


def synthetic_score_maps(root, imagenet):
    """1000-class top-5 maps on a 14x14 grid for every training image of the folder."""
    names = [line.split()[0] for line in (imagenet / 'meta' / 'train.txt').read_text().split('\n')
             if line.strip()]
    writer = ScoreMapWriter(str(root), len(names), (14, 14), 5, 1000, 2, annotator={})
    rng = np.random.default_rng(0)
    for row, name in enumerate(names):
        first = rng.integers(0, 1000, (14, 14))
        classes = np.stack([(first + 200 * k) % 1000 for k in range(5)])  # distinct per cell
        writer.add(row, name, rng.normal(size=(5, 14, 14)) * 3, classes)
    writer.close()


@pytest.mark.parametrize('arm', ['token-labeling', 'tlalign-token-labeling', 'baseline'])
def test_imagenet_configs_train_an_iteration(arm, digits_root, tmp_path, monkeypatch):
    imagenet = digits_root / 'digits_imagenet'
    monkeypatch.setenv('IMAGENET_ROOT', str(imagenet))
    monkeypatch.setenv('TOKEN_LABEL_ROOT', str(tmp_path / 'maps'))
    if arm == 'token-labeling':
        synthetic_score_maps(tmp_path / 'maps', imagenet)
    cfg = lvvit_config(f'lvvit-s_{arm}_8xb128_in1k')
    # fp32: the recipe's AMP becomes bf16 autocast on CPU, tens of times slower on this machine
    # kind; the AMP swap has its own tests (test_paper_pretrain_recipes.py,
    # test_train_resume_dist.py).
    cfg.optim_wrapper.type = 'OptimWrapper'
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model = with_preprocessor(model, cfg, MODELS)
    first = 'backbone.patch_embed.stem.0.conv.weight'
    with gradient_norms(model, [first]) as norms:
        runner = train_one_iteration(cfg, model, tmp_path / 'work', samples=2)
    assert runner.iter == 1 and norms[first] > 0
    hub = runner.message_hub
    keys = ['train/loss'] + (['train/loss_dense'] if arm != 'baseline' else [])
    assert all(torch.isfinite(torch.tensor(hub.get_scalar(k).current())) for k in keys)
    if arm == 'tlalign-token-labeling':
        assert len(hub.get_scalar('train/align_gap').data[0]) == 1


def train_segmentation(cfg, work_dir, iterations, crop=64):
    """The ADE20K config's own model, data, optimiser and schedule for a few iterations on
    ``crop`` px crops (two samples, no checkpoint: saving an LV-ViT with AdamW state costs more
    than the run); returns the runner."""
    cfg.model.data_preprocessor.size = (crop, crop)
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] == 'RandomResize':
            step['scale'] = (2 * crop, crop)
        if step['type'] == 'RandomCrop':
            step['crop_size'] = (crop, crop)
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False, batch_size=2)
    runner = Runner(
        model=cfg.model, work_dir=str(work_dir), train_dataloader=cfg.train_dataloader,
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=iterations, val_interval=100),
        optim_wrapper=cfg.optim_wrapper, param_scheduler=cfg.param_scheduler,
        default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmseg', log_level='WARNING')
    runner.train()
    return runner


@pytest.mark.parametrize('config', ['upernet_lvvit-s_8xb2-160k_ade20k-512x512.py',
                                    'upernet_lvvit-s_side-layers_8xb2-160k_ade20k-512x512.py'])
def test_lvvit_s_ade20k_trains_from_a_classifier_checkpoint(config, digits_root, tmp_path,
                                                           monkeypatch):
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    classifier = MODELS.build(dict(
        type='TokenLabelingClassifier', backbone=dict(type='LVViT', arch='s'),
        head=dict(type='TokenLabelingHead', num_classes=1000, in_channels=384)))
    checkpoint = tmp_path / 'lvvit-s.pth'
    torch.save(dict(state_dict=classifier.state_dict()), checkpoint)

    monkeypatch.setenv('ADE20K_ROOT', str(digits_root / 'digits_ade20k'))
    cfg = Config.fromfile(config_path('seg', config))
    cfg.model.backbone.init_cfg.checkpoint = str(checkpoint)
    runner = train_segmentation(cfg, tmp_path / 'seg', iterations=2)
    backbone = runner.model.backbone
    assert runner.iter == 2
    assert type(runner.model.neck).__name__ == (
        'LVViTSideLayers' if 'side-layers' in config else 'MultiLevelNeck')
    assert backbone.out_indices == [6, 9, 12, 15] and backbone.pos_embed.shape[1] == 1 + 32 * 32
    # The classifier's weights came in (a stem conv is barely moved by two warm-up steps).
    stem = classifier.backbone.patch_embed.stem[0].conv.weight
    assert torch.allclose(backbone.patch_embed.stem[0].conv.weight, stem, atol=1e-4)
    assert torch.isfinite(torch.tensor(runner.message_hub.get_scalar('train/loss').current()))


# arch -> (block outputs, width, head channels) of the authors' side-layer configs
SIDE_LAYERS = dict(s=((6, 9, 12, 15), 384, 256), m=((10, 13, 16, 19), 512, 256),
                   l=((14, 17, 20, 23), 768, 512))


@pytest.mark.parametrize('arch', SIDE_LAYERS)
def test_side_layer_configs_are_the_authors(arch):
    """Strides 4/8/16/16 and widths C/C/C/2048 out of the neck; UperHead and the auxiliary head
    (third map) at the authors' channel count."""
    blocks, width, channels = SIDE_LAYERS[arch]
    cfg = Config.fromfile(config_path(
        'seg', f'upernet_lvvit-{arch}_side-layers_8xb2-160k_ade20k-512x512.py'))
    assert (cfg.model.backbone.arch, tuple(cfg.model.backbone.out_indices)) == (arch, blocks)
    assert cfg.model.decode_head.in_channels == [width, width, width, 2048]
    assert cfg.model.decode_head.channels == cfg.model.auxiliary_head.channels == channels
    aux = cfg.model.auxiliary_head
    assert (aux.in_index, aux.in_channels) == (2, width)
    init_default_scope('mmpretrain')
    neck = MODELS.build(dict(cfg.model.neck, type='LVViTSideLayers', norm_cfg=dict(type='BN')))
    maps = [torch.randn(2, width, 4, 4) for _ in range(4)]  # stride 16 of a 64 px image
    shapes = [tuple(out.shape) for out in neck(maps)]
    assert shapes == [(2, width, 16, 16), (2, width, 8, 8), (2, width, 4, 4), (2, 2048, 4, 4)]
    assert not any(m.bias is not None for m in neck.modules()
                   if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)))


def test_digits_seed_study_benchmark():
    """configs/benchmarks/token_labeling_digits.py: the three digits LV-ViT arms, three seeds,
    each compared with the no-token-labeling baseline seed by seed."""
    from tlalign_mm.benchmark.spec import load_spec

    from ..conftest import ROOT
    spec = load_spec(config_path('benchmarks', 'token_labeling_digits.py'), ROOT)
    assert {arm.name: osp.basename(arm.pretrain) for arm in spec.arms} == {
        'baseline': 'lvvit-digits_baseline_digits.py',
        'token_labeling': 'lvvit-digits_token-labeling_digits.py',
        'tlalign_token_labeling': 'lvvit-digits_tlalign-token-labeling_digits.py'}
    assert spec.baseline == 'baseline' and list(spec.seeds) == [0, 1, 2]
    assert [(t.type, t.metric) for t in spec.tasks] == [('pretrain', 'accuracy/top1')]



# config -> (arch, size, token-label grid, test resize, drop path, width): the README's S 384 px
# fine-tune and its extrapolations to M / L
FINETUNES = {
    'lvvit-s_token-labeling_finetune-384px_8xb64_in1k': ('s', 384, 24, 426, 0.1, 384),
    'lvvit-m_token-labeling_finetune-384px_8xb64_in1k': ('m', 384, 24, 384, 0.2, 512),
    'lvvit-m_token-labeling_finetune-448px_8xb64_in1k': ('m', 448, 28, 448, 0.2, 512),
    'lvvit-l_token-labeling_finetune-448px_8xb64_in1k': ('l', 448, 28, 448, 0.3, 768),
}


@pytest.mark.parametrize('name', FINETUNES)
def test_high_resolution_finetune_configs(name):
    arch, size, grid, resize, drop_path, width = FINETUNES[name]
    cfg = lvvit_config(name)
    backbone = cfg.model.backbone
    assert (backbone.arch, backbone.img_size, backbone.drop_path_rate) == (arch, size, drop_path)
    assert cfg.model.head.in_channels == width
    assert cfg.load_from == f'work_dirs/lvvit-{arch}_token-labeling_8xb128_in1k/epoch_310.pth'
    steps = {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}
    assert steps['ScoreMapAugmentedCrop']['crop']['scale'] == size
    assert steps['TokenLabelTargets']['grid_size'] == grid == size // 16
    test = {t['type']: t for t in cfg.val_dataloader.dataset.pipeline}
    assert (test['ResizeEdge']['scale'], test['CenterCrop']['crop_size']) == (resize, size)
    # --lr 5e-6 --min-lr 5e-6 --weight-decay 1e-8, -b 64 on 8 GPUs, main.py's 5 warm-up
    # epochs from 1e-6 and 300 + 10 epochs, no EMA
    assert cfg.optim_wrapper.optimizer.lr == 5e-6
    assert cfg.optim_wrapper.optimizer.weight_decay == 1e-8
    assert cfg.train_dataloader.batch_size * 8 == 512 == cfg.auto_scale_lr.base_batch_size
    (warmup, ) = cfg.param_scheduler
    assert (warmup.type, warmup.end) == ('LinearLR', 5)
    assert warmup.start_factor * 5e-6 == pytest.approx(1e-6)
    assert cfg.train_cfg.max_epochs == 310 and cfg.custom_hooks == []


def test_384px_finetune_loads_the_224px_classifier_and_trains(digits_root, tmp_path,
                                                             monkeypatch):
    imagenet = digits_root / 'digits_imagenet'
    monkeypatch.setenv('IMAGENET_ROOT', str(imagenet))
    monkeypatch.setenv('TOKEN_LABEL_ROOT', str(tmp_path / 'maps'))
    synthetic_score_maps(tmp_path / 'maps', imagenet)
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    classifier = MODELS.build(copy.deepcopy(
        lvvit_config('lvvit-s_token-labeling_8xb128_in1k').model))
    cfg = lvvit_config('lvvit-s_token-labeling_finetune-384px_8xb64_in1k')
    cfg.optim_wrapper.type = 'OptimWrapper'  # fp32 (see above)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.load_state_dict(classifier.state_dict(), strict=True)  # 14x14 -> 24x24 positions
    assert model.backbone.pos_embed.shape[1] == 1 + 24 * 24
    for step in cfg.train_dataloader.dataset.pipeline:  # 64 px crops for the CPU
        if step['type'] == 'ScoreMapAugmentedCrop':
            step['crop']['scale'] = 64
        if step['type'] == 'TokenLabelTargets':
            step['grid_size'] = 4
    model = with_preprocessor(model, cfg, MODELS)
    runner = train_one_iteration(cfg, model, tmp_path / 'work', samples=2)
    assert runner.iter == 1
    hub = runner.message_hub
    assert all(torch.isfinite(torch.tensor(hub.get_scalar(k).current()))
               for k in ('train/loss', 'train/loss_dense'))
