"""Every paper-scale iFormer ADE20K / COCO config builds and is wired as its name says; the
iFormer-S ones train one iteration on the digits written as an ADE20K folder / COCO json, through
their own pipelines with every size shrunk (B/L differ from S only in arch, channels and drop
path, and are built on the meta device: a real step of each costs more than this suite allows).

Expected architectures and schedules are literals here (the paper's channel widths, mmseg's and
mmdet's recipes), independent of the arch table.
"""
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import tlalign_mm  # noqa: F401

from ..conftest import ROOT
from ..test_configs.one_step import train_one_iteration

CHANNELS = {'small': [96, 192, 320, 384], 'base': [96, 192, 384, 512],
            'large': [96, 192, 448, 640]}
SEG = {f'{head}_iformer-{arch}_{recipe}_ade20k-512x512.py': (arch, head)
       for arch in CHANNELS for head, recipe in (('upernet', '8xb2-160k'), ('fpn', '8xb4-40k'))}
DET = {f'mask-rcnn_iformer-{arch}_fpn_{sched}_coco.py': (arch, sched)
       for arch in CHANNELS for sched in ('1x', 'ms-crop-3x')}
DIGITS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_every_iformer_dense_config_is_listed():
    found = {task: sorted(f for f in os.listdir(osp.join(ROOT, 'configs', task))
                          if 'iformer' in f and 'digits' not in f) for task in ('seg', 'det')}
    assert found == {'seg': sorted(SEG), 'det': sorted(DET)}


def shrink(value, by):
    """Every size of a pipeline step divided by ``by`` (scales, crop sizes, nested choices)."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, int) for v in value):
        return type(value)(v // by for v in value)
    if isinstance(value, (list, tuple)):
        return type(value)(shrink(v, by) for v in value)
    if isinstance(value, dict):
        return {k: shrink(v, by) if k in ('scale', 'scales', 'crop_size', 'transforms') else v
                for k, v in value.items()}
    return value


def check_backbone(backbone, arch, cfg):
    from tlalign_mm.models.backbones import IFormer
    assert type(backbone) is IFormer
    assert backbone.embed_dims == CHANNELS[arch]
    assert backbone.out_indices == [0, 1, 2, 3]
    assert cfg.pretrained == f'work_dirs/iformer-{arch}_mixup-cutmix_8xb128_in1k/epoch_310.pth'
    assert cfg.model.backbone.init_cfg == dict(type='Pretrained', checkpoint=cfg.pretrained,
                                               prefix='backbone.')
    assert osp.isfile(osp.join(ROOT, 'configs', 'pretrain', 'iformer',
                               f'iformer-{arch}_mixup-cutmix_8xb128_in1k.py'))


# the first and the last backbone tensors: the backward went through every stage
STEPPED = {'backbone.patch_embed.conv1.weight', 'backbone.stages.0.blocks.0.mixer.proj.weight',
           'backbone.stages.3.blocks.0.mlp.fc2.weight'}


def snapshot(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def moved(model, before):
    return {n for n, p in model.named_parameters() if not torch.equal(p.detach(), before[n])}


def build(cfg, registry, arch):
    cfg_model = dict(cfg.model, backbone=dict(cfg.model.backbone, init_cfg=None))
    if arch == 'small':
        return registry.build(cfg_model)
    with torch.device('meta'):
        return registry.build(cfg_model)


@pytest.mark.parametrize('name', list(SEG))
def test_seg_config_on_an_ade20k_folder(name, digits_root, tmp_path,
                                                           monkeypatch):
    from mmseg.registry import MODELS
    arch, head = SEG[name]
    monkeypatch.setenv('ADE20K_ROOT', str(digits_root / 'digits_ade20k'))
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'seg', name))
    dataset = cfg.train_dataloader.dataset
    if head == 'fpn':  # the PoolFormer recipe repeats the dataset 50 times per "epoch"
        assert (dataset.type, dataset.times) == ('RepeatDataset', 50)
        dataset = dataset.dataset
        assert (cfg.train_cfg.max_iters, cfg.optim_wrapper.optimizer.lr) == (40000, 2e-4)
    else:
        assert (cfg.train_cfg.max_iters, cfg.optim_wrapper.optimizer.lr) == (160000, 6e-5)
    assert dataset.type == 'ADE20KDataset'
    assert dataset.data_root == str(digits_root / 'digits_ade20k')
    assert [t.crop_size for t in dataset.pipeline if t.type == 'RandomCrop'] == [(512, 512)]
    dataset.pipeline = [shrink(step, 8) for step in dataset.pipeline]
    cfg.model.data_preprocessor.size = (64, 64)
    init_default_scope('mmseg')
    model = build(cfg, MODELS, arch)
    check_backbone(model.backbone, arch, cfg)
    channels = CHANNELS[arch]
    if head == 'upernet':
        assert model.decode_head.in_channels == channels
        assert model.auxiliary_head.in_channels == channels[2]
    else:
        assert model.neck.in_channels == channels
    assert model.decode_head.num_classes == 150
    if arch != 'small':
        return
    before = snapshot(model)
    runner = train_one_iteration(cfg, model, tmp_path)
    assert runner.iter == 1
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert torch.isfinite(torch.tensor(loss)) and loss > 0
    assert moved(model, before) >= {*STEPPED, 'decode_head.conv_seg.weight'}


@pytest.mark.parametrize('name', list(DET))
def test_det_config_on_a_coco_json(name, digits_root, tmp_path,
                                                      monkeypatch):
    from mmdet.registry import MODELS
    arch, sched = DET[name]
    monkeypatch.setenv('COCO_ROOT', str(digits_root / 'digits_coco') + '/')
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'det', name))
    epochs, milestones = (36, [27, 33]) if sched == 'ms-crop-3x' else (12, [8, 11])
    assert (cfg.train_cfg.max_epochs, cfg.param_scheduler[1].milestones) == (epochs, milestones)
    assert (cfg.optim_wrapper.optimizer.type, cfg.optim_wrapper.optimizer.lr) == ('AdamW', 1e-4)
    dataset = cfg.train_dataloader.dataset
    assert dataset.type == 'CocoDataset'
    assert dataset.ann_file == 'annotations/instances_train2017.json'
    types = [t.type for t in dataset.pipeline]
    assert ('RandomChoice' in types) is (sched == 'ms-crop-3x')
    dataset.metainfo = dict(classes=DIGITS)
    # proposal and RoI budgets sized for two small digit scenes (training budgets only)
    cfg.model.train_cfg.rpn_proposal.max_per_img = 100
    cfg.model.train_cfg.rcnn.sampler.num = 64
    dataset.pipeline = [shrink(step, 8) for step in dataset.pipeline]
    init_default_scope('mmdet')
    model = build(cfg, MODELS, arch)
    check_backbone(model.backbone, arch, cfg)
    assert model.neck.in_channels == CHANNELS[arch]
    assert model.roi_head.bbox_head.num_classes == 80
    if arch != 'small':
        return
    before = snapshot(model)
    runner = train_one_iteration(cfg, model, tmp_path)
    assert runner.iter == 1
    assert moved(model, before) >= {*STEPPED, 'roi_head.mask_head.conv_logits.weight'}
    losses = {k: runner.message_hub.get_scalar(f'train/{k}').current()
              for k in ('loss_rpn_cls', 'loss_cls', 'loss_mask')}
    assert all(torch.isfinite(torch.tensor(v)) and v > 0 for v in losses.values()), losses
