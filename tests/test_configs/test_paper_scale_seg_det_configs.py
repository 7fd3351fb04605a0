"""Every paper-scale ADE20K / COCO transfer config builds and is wired the way its name says.

These configs cannot be trained here (no ADE20K/COCO, no GPUs), so a wrong channel list, arch,
class count, schedule or checkpoint wiring would only surface on a cluster. Each config is parsed,
its model is built through mmseg's / mmdet's registry (no init_weights: there is no checkpoint)
and run on a tiny random image, its datasets are constructed without data (lazy_init), and the
backbone of the pre-training config its `pretrained` names is loaded into it.
Expected architectures are written out below as literal numbers, independent of mmpretrain's
arch tables.
"""
import copy
import functools
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import tlalign_mm  # noqa: F401  (registers the package, so custom_imports resolve)
from tlalign_mm.utils import check_num_classes

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# (family, mmpretrain arch, embed_dims, depths, num_heads): a ViT is one stage of 12 blocks.
DEIT_S = ('vit', 'deit-small', 384, [12], [6])
DEIT_B = ('vit', 'deit-base', 768, [12], [12])
SWIN_T = ('swin', 'tiny', 96, [2, 2, 6, 2], [3, 6, 12, 24])
SWIN_S = ('swin', 'small', 96, [2, 2, 18, 2], [3, 6, 12, 24])
SWIN_B = ('swin', 'base', 128, [2, 2, 18, 2], [4, 8, 16, 32])

# config -> (arch, pre-training config whose last checkpoint is the default `pretrained`)
SEG = {
    'upernet_deit-small_8xb2-160k_ade20k-512x512.py': (DEIT_S,
                                                       'deit/deit-small_cutmix_8xb128_in1k'),
    'upernet_deit-base_8xb2-160k_ade20k-512x512.py': (DEIT_B, 'deit/deit-base_cutmix_8xb128_in1k'),
    'upernet_swin-tiny_8xb2-160k_ade20k-512x512.py': (SWIN_T, 'swin/swin-tiny_cutmix_8xb128_in1k'),
    'upernet_swin-small_8xb2-160k_ade20k-512x512.py': (SWIN_S,
                                                       'swin/swin-small_cutmix_8xb128_in1k'),
    'upernet_swin-base_8xb2-160k_ade20k-512x512.py': (SWIN_B, 'swin/swin-base_cutmix_8xb128_in1k'),
}
DET = {
    'mask-rcnn_swin-tiny_fpn_1x_coco.py': (SWIN_T, 'swin/swin-tiny_cutmix_8xb128_in1k'),
    'mask-rcnn_swin-tiny_fpn_ms-crop-3x_coco.py': (SWIN_T, 'swin/swin-tiny_cutmix_8xb128_in1k'),
    'mask-rcnn_swin-tiny_fpn_ms-crop-1x_coco.py': (SWIN_T, 'swin/swin-tiny_cutmix_8xb128_in1k'),
    'mask-rcnn_swin-small_fpn_1x_coco.py': (SWIN_S, 'swin/swin-small_cutmix_8xb128_in1k'),
    'mask-rcnn_swin-small_fpn_ms-crop-3x_coco.py': (SWIN_S, 'swin/swin-small_cutmix_8xb128_in1k'),
    'mask-rcnn_swin-small_fpn_ms-crop-1x_coco.py': (SWIN_S, 'swin/swin-small_cutmix_8xb128_in1k'),
    'mask-rcnn_deit-small_fpn_1x_coco.py': (DEIT_S, 'deit/deit-small_cutmix_8xb128_in1k'),
    'mask-rcnn_deit-small_fpn_ms-crop-3x_coco.py': (DEIT_S, 'deit/deit-small_cutmix_8xb128_in1k'),
}
ALL = [('seg', name) for name in SEG] + [('det', name) for name in DET]


def test_every_paper_scale_config_is_listed():
    """A config added to configs/seg or configs/det (beyond the tiny digits ones) is tested."""
    # iFormer's dense configs are tested in tests/test_iformer/test_dense_configs.py, LV-ViT's
    # in tests/test_token_labeling/test_lvvit_configs.py.
    found = {task: sorted(f for f in os.listdir(osp.join(ROOT, 'configs', task))
                          if f.endswith('.py') and 'digits' not in f and 'iformer' not in f
                          and 'lvvit' not in f)
             for task in ('seg', 'det')}
    assert found == {'seg': sorted(SEG), 'det': sorted(DET)}


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """The forwards here are tiny; one thread avoids thread thrash on a shared 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@functools.lru_cache(maxsize=None)
def _parse(task, name, env):
    return Config.fromfile(osp.join(ROOT, 'configs', task, name))


def load(task, name):
    """The parsed config (a private copy), re-parsed whenever a data-root variable changes."""
    env = tuple(os.environ.get(var) for var in ('ADE20K_ROOT', 'COCO_ROOT'))
    return copy.deepcopy(_parse(task, name, env))


def backbone_channels(arch):
    """Channels of the four backbone outputs: constant for a ViT, doubling per Swin stage."""
    family, _, dims = arch[:3]
    return [dims] * 4 if family == 'vit' else [dims, 2 * dims, 4 * dims, 8 * dims]


def check_backbone(backbone, arch):
    from mmpretrain.models import SwinTransformer, VisionTransformer
    family, _, dims, depths, heads = arch
    assert backbone.embed_dims == dims
    if family == 'vit':
        assert type(backbone) is VisionTransformer
        assert backbone.out_type == 'featmap'
        assert list(backbone.out_indices) == [2, 5, 8, 11]
        assert [len(backbone.layers)] == depths
        assert [backbone.layers[0].attn.num_heads] == heads
    else:
        assert type(backbone) is SwinTransformer
        assert list(backbone.out_indices) == [0, 1, 2, 3]
        assert [len(stage.blocks) for stage in backbone.stages] == depths
        assert [stage.blocks[0].attn.w_msa.num_heads for stage in backbone.stages] == heads


def check_weight_decay(cfg, model, arch, base_decay):
    """Embeddings, bias tables and LayerNorms are exempt from weight decay; weights are not."""
    from .one_step import on_this_device  # an AMP wrapper becomes CPU bf16 autocast here
    decay = {}
    wrapper = build_optim_wrapper(model, on_this_device(cfg).optim_wrapper)
    for group in wrapper.optimizer.param_groups:
        for param in group['params']:
            decay[id(param)] = group['weight_decay']
    params = dict(model.named_parameters())
    if arch[0] == 'vit':
        exempt = ['backbone.pos_embed', 'backbone.cls_token', 'backbone.layers.0.ln1.weight',
                  'backbone.layers.11.ln2.bias']
        decayed = ['backbone.layers.0.attn.qkv.weight', 'backbone.patch_embed.projection.weight']
    else:
        exempt = ['backbone.stages.0.blocks.0.attn.w_msa.relative_position_bias_table',
                  'backbone.stages.0.blocks.0.norm1.weight', 'backbone.norm0.weight',
                  'backbone.patch_embed.norm.weight']
        decayed = ['backbone.stages.0.blocks.0.attn.w_msa.qkv.weight']
    assert [decay[id(params[n])] for n in exempt] == [0.0] * len(exempt)
    assert [decay[id(params[n])] for n in decayed] == [base_decay] * len(decayed)


@functools.lru_cache(maxsize=1)  # configs sharing a pre-training run are listed together
def pretrain_backbone_state(pretrain):
    """The state dict of the backbone the pre-training config trains (random weights)."""
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'pretrain', pretrain + '.py'))
    init_default_scope('mmpretrain')
    return MODELS.build(cfg.model.backbone).state_dict()


def check_checkpoint_loads(backbone, arch, pretrain):
    """The pre-training backbone's weights load into this one; only the expected keys differ.

    Loading goes through mmpretrain's own pre-hooks (position-embedding resize, Swin key
    upgrades), as `init_cfg=dict(type='Pretrained', prefix='backbone.')` does.
    """
    state = pretrain_backbone_state(pretrain)
    own_shapes = {k: tuple(v.shape) for k, v in backbone.state_dict().items()}
    result = backbone.load_state_dict(state, strict=False)
    if arch[0] == 'vit':
        # the classifier's final LayerNorm is unused here (final_norm=False)
        assert (result.missing_keys, sorted(result.unexpected_keys)) == (
            [], ['ln1.bias', 'ln1.weight'])
        # 14x14 pre-training grid (+ class token) resized to this config's img_size grid
        assert tuple(state['pos_embed'].shape[:2]) == (1, 197)
        assert backbone.pos_embed.shape == own_shapes['pos_embed'] != state['pos_embed'].shape
        weight = 'layers.11.ffn.layers.1.weight'
    else:
        # dense outputs need LayerNorms on stages 0-2; the classifier only has the last one
        assert sorted(result.missing_keys) == [
            'norm0.bias', 'norm0.weight', 'norm1.bias', 'norm1.weight', 'norm2.bias',
            'norm2.weight']
        assert result.unexpected_keys == []
        weight = 'stages.3.blocks.1.attn.w_msa.relative_position_bias_table'
    assert torch.equal(backbone.state_dict()[weight], state[weight])


@pytest.mark.parametrize('name', list(SEG))
def test_seg_model_builds_and_runs(name):
    from mmseg.registry import MODELS
    arch, pretrain = SEG[name]
    cfg = load('seg', name)
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model).eval()
    check_backbone(model.backbone, arch)
    assert (model.decode_head.num_classes, model.auxiliary_head.num_classes) == (150, 150)

    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        outs = model.backbone(x)
        assert [o.shape[1] for o in outs] == backbone_channels(arch)
        feats = model.extract_feat(x)  # after MultiLevelNeck for the ViTs
        assert [f.shape[2] for f in feats] == [16, 8, 4, 2]  # strides 4, 8, 16, 32
        logits = model(x, mode='tensor')
        aux = model.auxiliary_head(feats)
    assert logits.shape == (1, 150, 16, 16)
    assert aux.shape[:2] == (1, 150)
    assert torch.isfinite(logits).all() and torch.isfinite(aux).all()

    check_weight_decay(cfg, model, arch, base_decay=0.01)
    check_checkpoint_loads(model.backbone, arch, pretrain)


def _det_sample(size=64):
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    sample = DetDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                         pad_shape=(size, size),
                                         batch_input_shape=(size, size), scale_factor=(1., 1.)))
    mask = np.zeros((1, size, size), dtype=np.uint8)
    mask[0, 8:40, 12:44] = 1
    sample.gt_instances = InstanceData(bboxes=torch.tensor([[12., 8., 44., 40.]]),
                                       labels=torch.tensor([79]),
                                       masks=BitmapMasks(mask, size, size))
    return sample


@pytest.mark.parametrize('name', list(DET))
def test_det_model_builds_and_runs(name):
    from mmdet.registry import MODELS
    arch, pretrain = DET[name]
    cfg = load('det', name)
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    check_backbone(model.backbone, arch)
    bbox_head, mask_head = model.roi_head.bbox_head, model.roi_head.mask_head
    assert (bbox_head.num_classes, mask_head.num_classes) == (80, 80)
    assert (bbox_head.fc_cls.out_features, mask_head.conv_logits.out_channels) == (81, 80)
    assert model.data_preprocessor.pad_size_divisor == 32

    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        outs = model.backbone(x)
        assert [o.shape[1] for o in outs] == backbone_channels(arch)
        feats = model.extract_feat(x)  # FPN levels P2-P6
        assert [tuple(f.shape[1:]) for f in feats] == [(256, s, s) for s in (16, 8, 4, 2, 1)]
        # a training step's losses exercise RPN, box and mask heads on those channels
        losses = model.train().loss(x, [_det_sample()])
    for key in ('loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox', 'loss_mask'):
        value = losses[key]
        total = sum(value) if isinstance(value, list) else value
        assert torch.isfinite(total), key

    check_weight_decay(cfg, model, arch, base_decay=0.05)
    check_checkpoint_loads(model.backbone, arch, pretrain)


@pytest.mark.parametrize('task,name', ALL)
def test_pretrained_wiring(task, name):
    """One top-level `pretrained` names the checkpoint; the backbone loads it with its prefix."""
    _, pretrain = (SEG if task == 'seg' else DET)[name]
    cfg = load(task, name)
    assert osp.isfile(osp.join(ROOT, 'configs', 'pretrain', pretrain + '.py'))
    assert cfg.pretrained == f'work_dirs/{osp.basename(pretrain)}/epoch_300.pth'
    assert cfg.model.backbone.init_cfg == dict(type='Pretrained', checkpoint=cfg.pretrained,
                                               prefix='backbone.')
    assert cfg.model.get('pretrained') is None  # mmseg would pass it to the backbone otherwise
    assert cfg.custom_imports.imports == ['tlalign_mm']


def _datasets(cfg):
    return [cfg[f'{split}_dataloader'].dataset for split in ('train', 'val', 'test')]


@pytest.mark.parametrize('name', list(SEG))
def test_seg_data_and_schedule(name, monkeypatch):
    monkeypatch.delenv('ADE20K_ROOT', raising=False)
    default = load('seg', name)
    assert {d.data_root for d in _datasets(default)} == {'data/ade/ADEChallengeData2016'}
    monkeypatch.setenv('ADE20K_ROOT', '/nowhere/ade')
    cfg = load('seg', name)
    assert {d.data_root for d in _datasets(cfg)} == {'/nowhere/ade'}

    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    train = cfg.train_dataloader.dataset
    assert train.type == 'ADE20KDataset'
    dataset = DATASETS.build(dict(train, lazy_init=True))  # builds the pipeline, reads nothing
    check_num_classes(cfg.model, dataset.metainfo['classes'])
    assert len(dataset.metainfo['classes']) == 150
    crop = [t for t in train.pipeline if t.type == 'RandomCrop']
    assert [c.crop_size for c in crop] == [(512, 512)]
    assert cfg.model.data_preprocessor.size == (512, 512)
    assert cfg.train_dataloader.batch_size == 2  # x 8 GPUs

    assert (cfg.train_cfg.type, cfg.train_cfg.max_iters) == ('IterBasedTrainLoop', 160000)
    warmup, poly = cfg.param_scheduler
    assert (warmup.type, warmup.end, poly.type, poly.begin, poly.end) == (
        'LinearLR', 1500, 'PolyLR', 1500, 160000)
    assert (cfg.optim_wrapper.optimizer.type, cfg.optim_wrapper.optimizer.lr) == ('AdamW', 6e-5)


@pytest.mark.parametrize('name', list(DET))
def test_det_data_and_schedule(name, monkeypatch):
    monkeypatch.delenv('COCO_ROOT', raising=False)
    default = load('det', name)
    assert {d.data_root for d in _datasets(default)} == {'data/coco/'}
    assert default.val_evaluator.ann_file == 'data/coco/annotations/instances_val2017.json'
    monkeypatch.setenv('COCO_ROOT', '/nowhere/coco')
    cfg = load('det', name)
    assert {d.data_root for d in _datasets(cfg)} == {'/nowhere/coco'}
    assert {cfg.val_evaluator.ann_file, cfg.test_evaluator.ann_file} == {
        '/nowhere/coco/annotations/instances_val2017.json'}

    from mmdet.registry import DATASETS
    init_default_scope('mmdet')
    train = cfg.train_dataloader.dataset
    assert train.type == 'CocoDataset'
    dataset = DATASETS.build(dict(train, lazy_init=True))
    check_num_classes(cfg.model, dataset.metainfo['classes'])
    assert len(dataset.metainfo['classes']) == 80
    assert cfg.train_dataloader.batch_size == 2  # x 8 GPUs

    multi_scale, three_x = 'ms-crop' in name, 'ms-crop-3x' in name
    epochs, milestones = (36, [27, 33]) if three_x else (12, [8, 11])
    assert (cfg.train_cfg.type, cfg.train_cfg.max_epochs) == ('EpochBasedTrainLoop', epochs)
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.end, warmup.by_epoch) == ('LinearLR', 1000, False)
    assert (steps.type, steps.end, steps.milestones) == ('MultiStepLR', epochs, milestones)
    assert (cfg.optim_wrapper.optimizer.type, cfg.optim_wrapper.optimizer.lr) == ('AdamW', 1e-4)

    types = [t.type for t in train.pipeline]
    if multi_scale:  # the Swin paper's 480-800 multi-scale training (1x and 3x)
        choice = train.pipeline[types.index('RandomChoice')]
        scales = choice.transforms[0][0].scales
        assert scales == [(s, 1333) for s in (480, 512, 544, 576, 608, 640, 672, 704, 736, 768,
                                               800)]
        assert choice.transforms[1][1].crop_size == (384, 600)
    else:
        assert 'RandomChoice' not in types
        assert train.pipeline[types.index('Resize')].scale == (1333, 800)
