"""The tracer contract as an extension point: a toy backbone gets TL-Align from one tracer class
and the decorator, and trains a step through the real runner, preprocessor and TLAlignHook.

The toy backbone is a patch conv and two mixing layers in which every token attends to the same
data-dependent softmax row (so the label of every token moves to ``½(y + Σ_j w_j y_j)``); the
expected label is computed by hand below, independently of the tracer.
"""
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.models.backbones import SwinTransformer, VisionTransformer
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS
from torch import nn

from tlalign_mm.alignment import (ExplicitSource, LabelRewriter, LabelTracer, RewrittenLabels,
                                  UnsupportedBackboneError, align_labels, align_mixed_labels,
                                  build_tracer, register_rewriter, register_tracer,
                                  registered_tracers)
from tlalign_mm.alignment.propagation import residual_update
from tlalign_mm.alignment.token_grid import footprint_share

from ..conftest import config_path

TLALIGN = config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py')


class SharedRowMixer(nn.Module):
    """Every query uses one softmax row over the tokens."""

    def __init__(self, dims):
        super().__init__()
        self.score = nn.Linear(dims, 1)
        self.value = nn.Linear(dims, dims)

    def weights(self, tokens):
        return self.score(tokens).squeeze(-1).softmax(dim=-1)  # (B, N)

    def forward(self, tokens):
        mixed = torch.einsum('bn,bnc->bc', self.weights(tokens), self.value(tokens))
        return mixed[:, None].expand_as(tokens)


@MODELS.register_module(force=True)
class ToyTokenMixer(BaseBackbone):

    def __init__(self, dims=16, patch_size=8, depth=2, init_cfg=None):
        super().__init__(init_cfg)
        self.patch_size = patch_size
        self.stem = nn.Conv2d(3, dims, patch_size, patch_size)
        self.mixers = nn.ModuleList(SharedRowMixer(dims) for _ in range(depth))

    def forward(self, x):
        tokens = self.stem(x).flatten(2).transpose(1, 2)
        for mixer in self.mixers:
            tokens = tokens + mixer(tokens)
        return (tokens.mean(dim=1), )


@register_tracer(ToyTokenMixer)
class ToyTracer(LabelTracer):

    @property
    def token_size(self):
        return self.backbone.patch_size

    def pixels_to_tokens(self, pixel_map, grid_hw):
        return footprint_share(pixel_map, grid_hw, self.backbone.patch_size)

    def _attach(self):
        self._handles.append(self.backbone.stem.register_forward_hook(
            lambda module, args, out: self.start(out.shape[-2:])))
        for mixer in self.backbone.mixers:
            self._handles.append(mixer.register_forward_hook(self._propagate))

    def _propagate(self, mixer, args, output):
        with torch.no_grad():
            weights = mixer.weights(args[0])
            moved = torch.einsum('bn,bnd->bd', weights, self.labels)[:, None]
            self.labels = residual_update(self.labels, moved.expand_as(self.labels))
        self.record()


def hand_traced_share(backbone, images, own_mask):
    """The own-image share of the toy's output, by hand: 8 px cells, two shared-row mixers."""
    batch = images.size(0)
    share = own_mask.reshape(batch, 4, 8, 4, 8).mean(dim=(2, 4)).flatten(1).double()
    with torch.no_grad():
        tokens = backbone.stem(images).flatten(2).transpose(1, 2)
        for mixer in backbone.mixers:
            weights = mixer.weights(tokens).double()
            share = 0.5 * (share + (weights * share).sum(1, keepdim=True))
            tokens = tokens + mixer(tokens)
    return share.mean(1)


def test_registered_toy_tracer_trains_a_step_with_its_label(digits_root, tmp_path):
    from tlalign_mm.augments import MixRecord

    assert registered_tracers()[ToyTokenMixer] is ToyTracer
    cfg = Config.fromfile(TLALIGN)
    cfg.work_dir = str(tmp_path)
    cfg.model.backbone = dict(type='ToyTokenMixer', dims=16, patch_size=8)
    cfg.model.head = dict(type='LinearClsHead', num_classes=10, in_channels=16,
                          loss=dict(type='CrossEntropyLoss', use_soft=True))
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False, batch_size=8)
    # The annotation file is sorted by class: take 8 images of 8 different digits.
    cfg.train_dataloader.dataset['indices'] = list(range(0, 400, 50))
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    model = runner.model
    with torch.no_grad():
        for mixer in model.backbone.mixers:
            mixer.score.weight.normal_(0, 2.0)  # peaked rows: the label must move
    seen = {}
    model.backbone.register_forward_pre_hook(
        lambda module, args: seen.update(images=args[0].detach().clone()))
    stock_loss = model.head.loss

    def spy(feats, data_samples, **kwargs):
        record = MixRecord.from_data_samples(data_samples)
        share = hand_traced_share(model.backbone, seen['images'], record.own_mask)
        seen['want'] = (share[:, None] * record.own_score +
                        (1 - share[:, None]) * record.partner_score).float()
        seen['area'] = record.mixed_score()
        seen['got'] = torch.stack([s.gt_score for s in data_samples])
        return stock_loss(feats, data_samples, **kwargs)

    model.head.loss = spy
    runner.train()
    torch.testing.assert_close(seen['got'], seen['want'], atol=1e-5, rtol=0)
    assert (seen['want'] - seen['area']).abs().max() > 1e-2
    # ``align_labels`` reaches the same tracer through the registry.
    labels = torch.rand(2, 16, 3)
    assert align_labels(model.backbone, torch.randn(2, 3, 32, 32), labels).shape == (2, 3)


def test_registry_resolves_subclasses_and_refuses_unknown_backbones():

    class MyViT(VisionTransformer):
        pass

    vit = MyViT(arch=dict(embed_dims=32, num_layers=1, num_heads=2, feedforward_channels=32),
                img_size=16, patch_size=8)
    assert type(build_tracer(vit)).__name__ == 'ViTLabelTracer'
    with pytest.raises(UnsupportedBackboneError, match=r'ResNet; supported backbones: .*'
                       r'SwinTransformer.*VisionTransformer'):
        from mmpretrain.models.backbones import ResNet
        build_tracer(ResNet(depth=18))
    with pytest.raises(TypeError, match='not a LabelTracer subclass'):
        register_tracer(ToyTokenMixer)(object)


def test_unsupported_options_and_modules_raise_the_one_error_family():
    swin = SwinTransformer(arch=dict(embed_dims=16, depths=[1], num_heads=[1]), img_size=16,
                           window_size=4, out_indices=(0, ))
    with pytest.raises(UnsupportedBackboneError, match=r"SwinLabelTracer supports kernel in "
                       r"\('auto', 'explicit'\), got 'sdpa'"):
        build_tracer(swin, kernel='sdpa')
    vit = VisionTransformer(arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                      feedforward_channels=32), img_size=16, patch_size=8)
    with pytest.raises(UnsupportedBackboneError, match="kernel in .*got 'flash'"):
        build_tracer(vit, kernel='flash')
    vit.layers[1].attn = nn.Identity()
    with pytest.raises(UnsupportedBackboneError, match='layer 1 attention Identity exposes no'):
        build_tracer(vit)


def test_footprint_share_counts_only_real_pixels_of_edge_cells():
    """A 20 px image with stride-8 cells: the last row/column of cells holds 4 real pixels."""
    mask = torch.ones(1, 20, 20)
    mask[:, :, 18:] = 0
    share = footprint_share(mask, (3, 3), stride=8).reshape(3, 3)
    torch.testing.assert_close(share[:, :2], torch.ones(3, 2))
    torch.testing.assert_close(share[:, 2], torch.full((3, ), 0.5))
    with pytest.raises(RuntimeError, match=r'pooled pixel grid \(3, 3\) does not match the '
                       r'backbone token grid \(2, 2\)'):
        footprint_share(mask, (2, 2), stride=8)


def test_history_and_token_labels_follow_the_contract():
    backbone = ToyTokenMixer()
    tracer = build_tracer(backbone)
    tracer.history = []
    tracer.attach(ExplicitSource(torch.rand(2, 16, 3)))
    backbone(torch.randn(2, 3, 32, 32))
    tracer.detach()
    assert len(tracer.history) == 1 + len(backbone.mixers)
    assert tracer.grid_hw == (4, 4) and tracer.token_labels().shape == (2, 16, 3)
    torch.testing.assert_close(tracer.history[-1][1], tracer.summary_label())
    assert not backbone.stem._forward_hooks


@register_rewriter
class PartnerLabels(LabelRewriter):
    """A toy rewriter through the public contract: every mixed sample takes its partner's label,
    whatever the mix; it counts the calls it gets."""
    log_key = 'train/partner_shift'

    def __init__(self):
        self.calls = []

    def prepare(self, model):
        self.calls.append('prepare')

    def begin(self, record):
        self.calls.append('begin')
        self.record = record

    def finish(self):
        self.calls.append('finish')
        record = self.record
        return RewrittenLabels(record.partner_score, None, -record.lam)

    def close(self):
        self.calls.append('close')


def test_registered_toy_rewriter_trains_a_step_through_the_one_hook(digits_root, tmp_path):
    from tlalign_mm.augments import MixRecord

    cfg = Config.fromfile(TLALIGN)
    cfg.work_dir = str(tmp_path)
    cfg.custom_hooks = [dict(type='MixedLabelHook', rewriter=dict(type='PartnerLabels'))]
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False, batch_size=8)
    cfg.train_dataloader.dataset['indices'] = list(range(0, 400, 50))  # 8 different digits
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    model = runner.model
    seen = {}
    stock_loss = model.head.loss

    def spy(feats, data_samples, **kwargs):
        record = MixRecord.from_data_samples(data_samples)
        seen['want'] = record.partner_score
        seen['area'] = record.mixed_score()
        seen['got'] = torch.stack([s.gt_score for s in data_samples])
        record_lam['lam'] = record.lam
        return stock_loss(feats, data_samples, **kwargs)

    record_lam = {}
    model.head.loss = spy
    runner.train()
    hook = next(h for h in runner.hooks if type(h).__name__ == 'MixedLabelHook')
    assert hook.rewriter.calls == ['prepare', 'begin', 'finish', 'close']
    torch.testing.assert_close(seen['got'], seen['want'], atol=0, rtol=0)
    assert (seen['want'] - seen['area']).abs().max() > 1e-2
    assert runner.message_hub.get_scalar('train/partner_shift').current() == pytest.approx(
        float(record_lam['lam'].abs().mean()))
    # align_mixed_labels drives the same contract outside the runner
    record = MixRecord.from_data_samples(model.data_preprocessor(
        next(iter(runner.train_dataloader)), True)['data_samples'])
    labels = align_mixed_labels(model, torch.randn(8, 3, 32, 32), record,
                                dict(type='PartnerLabels'))
    torch.testing.assert_close(labels.image, record.partner_score)
