"""TransMix: the target against hand-worked numbers, the capture against known attention, and the
hook through the real mmengine runner against an independent recomputation of the class row."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.registry import MODELS

from tlalign_mm.alignment import UnsupportedBackboneError
from tlalign_mm.alignment.class_attention import LastBlockClassAttention
from tlalign_mm.alignment.transmix import attention_own_share, cut_rows, transmix_lambda
from tlalign_mm.augments import AlignedCutMix, AlignedMixup
from tlalign_mm.engine.hooks import TransMixConfigError

from ..conftest import config_path
from .test_tlalign_training import attached_anything, load_cfg, logged

TRANSMIX = config_path('pretrain', 'deit', 'deit-digits_transmix_digits.py')
TINY = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)


def hand_example_mask():
    """4x4 image, 2 px patches (2x2 grid); the partner's box covers rows 0-2, columns 0-1.

    Own fraction per patch: top-left 0 (all partner), top-right 1, bottom-left 1/2 (row 2 is
    partner, row 3 own), bottom-right 1. Area λ = 1 - 6/16 = 0.625.
    """
    mask = torch.ones(1, 4, 4)
    mask[:, 0:3, 0:2] = 0
    return mask


def test_transmix_target_hand_computed():
    # Class-token attention: 0.2 to itself, [0.4, 0.1, 0.2, 0.1] to the four patches.
    attention = torch.tensor([[0.4, 0.1, 0.2, 0.1]])
    own = torch.tensor([[0.0, 1.0, 0.5, 1.0]])
    # λ_attn = (0.4·0 + 0.1·1 + 0.2·0.5 + 0.1·1) / (0.4 + 0.1 + 0.2 + 0.1) = 0.3 / 0.8
    lam_attn = attention_own_share(attention, own)
    torch.testing.assert_close(lam_attn, torch.tensor([0.375]))
    # target = (0.625 + 0.375) / 2 = 0.5 for a cut sample; a Mixup sample keeps its λ.
    target = transmix_lambda(torch.tensor([0.625, 0.625]), torch.tensor([0.375, 0.375]),
                             torch.tensor([True, False]))
    torch.testing.assert_close(target, torch.tensor([0.5, 0.625]))
    mixup_mask = torch.full((1, 4, 4), 0.3)
    assert cut_rows(torch.cat([hand_example_mask(), mixup_mask])).tolist() == [True, False]
    with pytest.raises(ValueError, match='same shape'):
        attention_own_share(attention, own[:, :3])


def test_capture_with_known_attention_gives_the_hand_target():
    """Crafted q, k give two heads whose class rows average to [0.2 | 0.4, 0.1, 0.2, 0.1]."""
    torch.manual_seed(0)
    vit = VisionTransformer(arch=TINY, img_size=4, patch_size=2)
    capture = LastBlockClassAttention(vit)
    attn = vit.layers[-1].attn
    stock = attn.scaled_dot_product_attention
    capture.attach()
    assert attn.scaled_dot_product_attention is not stock
    # Head dim 1 and q_cls = 1, so softmax(q_cls·k) = softmax(log p) = p for each head.
    head_a = torch.tensor([0.1, 0.5, 0.1, 0.2, 0.1])
    head_b = torch.tensor([0.3, 0.3, 0.1, 0.2, 0.1])
    k = torch.stack([head_a.log(), head_b.log()])[None, :, :, None]  # (1, 2, 5, 1)
    q = torch.randn(1, 2, 5, 1)
    q[:, :, 0] = 1.0
    v = torch.randn(1, 2, 5, 1)
    out = attn.scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v))  # features stock
    torch.testing.assert_close(capture.attention, torch.tensor([[0.4, 0.1, 0.2, 0.1]]))
    capture.detach()
    assert attn.scaled_dot_product_attention is stock

    # The same attention with the hand mask pooled by the backbone's own patch embedding.
    capture.grid_hw = vit.patch_embed(torch.zeros(1, 3, 4, 4))[1]
    own = capture.own_fraction(hand_example_mask())
    torch.testing.assert_close(own, torch.tensor([[0.0, 1.0, 0.5, 1.0]]))
    lam = transmix_lambda(torch.tensor([0.625]), attention_own_share(capture.attention, own),
                          cut_rows(hand_example_mask()))
    torch.testing.assert_close(lam, torch.tensor([0.5]))


def test_capture_refuses_backbones_without_class_attention():
    with pytest.raises(UnsupportedBackboneError, match='class token'):
        LastBlockClassAttention(VisionTransformer(arch=TINY, img_size=8, patch_size=4,
                                                  with_cls_token=False,
                                                  out_type='avg_featmap'))
    from mmpretrain.models.backbones import ResNet
    with pytest.raises(UnsupportedBackboneError, match='ResNet'):
        LastBlockClassAttention(ResNet(depth=18))


def expected_class_row(layer, x):
    """Naive, independent: last block's softmax(q kᵀ/√d) class row from its qkv weights."""
    attn = layer.attn
    with torch.no_grad():
        h = layer.ln1(x).double()
        qkv = h @ attn.qkv.weight.double().t() + attn.qkv.bias.double()
    batch, tokens = h.shape[:2]
    head_dim = qkv.size(-1) // 3 // attn.num_heads
    qkv = qkv.reshape(batch, tokens, 3, attn.num_heads, head_dim)
    q, k = qkv[:, :, 0].transpose(1, 2), qkv[:, :, 1].transpose(1, 2)
    probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(head_dim), dim=-1).mean(1)
    return probs[:, 0, 1:]


def test_hook_rewrites_cutmix_labels_and_keeps_mixup(digits_root, tmp_path):
    cfg = load_cfg(TRANSMIX, tmp_path, train_cfg=dict(max_epochs=3, val_interval=3),
                   default_hooks=dict(logger=dict(interval=1)))
    cfg.train_dataloader.dataset['indices'] = 96  # 3 iterations of 32 per epoch
    cfg.val_dataloader.dataset['indices'] = 32
    runner = Runner.from_cfg(cfg)
    hook = next(h for h in runner.hooks if type(h).__name__ == 'TransMixHook')
    model = runner.model
    block_input = {}
    model.backbone.layers[-1].register_forward_pre_hook(
        lambda module, args: block_input.update(x=args[0].detach()))
    seen = dict(cut=0, mixup=0)
    stock_scores = {}
    on_preprocessed, on_backbone_done = hook.on_preprocessed, hook.on_backbone_done
    finish, finished = hook.rewriter.finish, {}

    def spy_finish():  # the rewriter's labels, through its public contract
        finished['labels'] = finish()
        return finished['labels']

    hook.rewriter.finish = spy_finish

    def spy_preprocessed(module, args, output):
        on_preprocessed(module, args, output)
        stock_scores['scores'] = torch.stack([s.gt_score.clone() for s in output['data_samples']])

    def spy_backbone_done(module, args, output):
        record, samples = hook.batch_record, hook.batch_samples
        on_backbone_done(module, args, output)
        if samples is None:
            return
        written = torch.stack([s.gt_score for s in samples])
        stock = stock_scores['scores']
        torch.testing.assert_close(stock, record.mixed_score(), atol=0, rtol=0)
        is_cut = bool(((record.own_mask == 0) | (record.own_mask == 1)).all())
        if not is_cut:  # Mixup: the label stays bit for bit
            seen['mixup'] += 1
            assert torch.equal(written, stock)
            assert float(finished['labels'].statistic.abs().mean()) == 0.0
            return
        seen['cut'] += 1
        row = expected_class_row(model.backbone.layers[-1], block_input['x'])  # (B, 16)
        # 32 px image, 8 px patches: a patch's own fraction is the mean of its 8x8 pixels.
        own = record.own_mask.reshape(-1, 4, 8, 4, 8).mean(dim=(2, 4)).flatten(1).double()
        lam = 0.5 * (record.lam.double() + (row * own).sum(1) / row.sum(1))
        expected = lam[:, None] * record.own_score + (1 - lam[:, None]) * record.partner_score
        torch.testing.assert_close(written, expected.float(), atol=1e-5, rtol=0)
        # A real re-weighting happened: some label moved off the area ratio.
        shift = (lam - record.lam.double()).abs()
        assert shift.max() > 1e-3
        assert float(finished['labels'].statistic.abs().mean()) == pytest.approx(
            float(shift.mean()), abs=1e-6)
        assert attached_anything(model)

    hook.on_preprocessed = spy_preprocessed
    hook.on_backbone_done = spy_backbone_done
    runner.train()
    assert seen['cut'] > 0 and seen['mixup'] > 0, seen
    assert seen['cut'] + seen['mixup'] == 9
    shifts = logged(tmp_path, 'transmix_shift')
    assert len(shifts) == 9 and max(shifts) > 1e-3
    assert all(math.isfinite(v) for v in logged(tmp_path, 'loss'))
    # Outside training iterations the backbone is stock.
    assert not attached_anything(model)
    metrics = runner.val_loop.run()
    assert 'accuracy/top1' in metrics
    assert not attached_anything(model)


def test_hook_refuses_stock_cutmix(digits_root, tmp_path):
    cfg = load_cfg(TRANSMIX, tmp_path, train_cfg=dict(max_epochs=1))
    cfg.model.train_cfg = dict(augments=[dict(type='CutMix', alpha=1.0)])
    with pytest.raises(TransMixConfigError, match=r"\['CutMix'\] record no mix.*TransMixHook"):
        Runner.from_cfg(cfg).train()


def test_hook_refuses_stock_preprocessor(digits_root, tmp_path):
    cfg = load_cfg(TRANSMIX, tmp_path, train_cfg=dict(max_epochs=1))
    cfg.data_preprocessor.type = 'ClsDataPreprocessor'
    with pytest.raises(TransMixConfigError, match='TransMixHook needs data_preprocessor type '
                       'MixRecordingDataPreprocessor, got ClsDataPreprocessor'):
        Runner.from_cfg(cfg).train()


def test_hook_refuses_avg_pooled_vit_and_tlalign_together(digits_root, tmp_path):
    cfg = load_cfg(TRANSMIX, tmp_path, train_cfg=dict(max_epochs=1))
    cfg.model.backbone.update(with_cls_token=False, out_type='avg_featmap')
    with pytest.raises(UnsupportedBackboneError, match="out_type='avg_featmap'"):
        Runner.from_cfg(cfg).train()
    cfg = load_cfg(TRANSMIX, tmp_path / 'both', train_cfg=dict(max_epochs=1))
    cfg.custom_hooks = [dict(type='TransMixHook'), dict(type='TLAlignHook')]
    with pytest.raises(TransMixConfigError, match='TransMixHook and TLAlignHook all rewrite the '
                       'mixed label; configure only one of them'):
        Runner.from_cfg(cfg).train()


@pytest.mark.parametrize('arch,dims', [('tiny', 192), ('small', 384), ('base', 768)])
def test_imagenet_configs_switch_cutmix_and_mixup(arch, dims):
    cfg = Config.fromfile(config_path('pretrain', 'deit', f'deit-{arch}_transmix_8xb128_in1k.py'))
    assert cfg.model.backbone.arch == f'deit-{arch}' and cfg.model.head.in_channels == dims
    assert cfg.custom_hooks == [dict(type='TransMixHook')]
    assert cfg.train_dataloader.batch_size == 128 and cfg.train_cfg.max_epochs == 300
    preprocessor = MODELS.build(dict(cfg.data_preprocessor, batch_augments=cfg.model.train_cfg))
    augments = preprocessor.batch_augments.augment
    assert [type(a) for a in augments.augments] == [AlignedCutMix, AlignedMixup, type(None)]
    assert augments.augments[0].alpha == 1.0 and augments.augments[1].alpha == 0.8
    assert augments.probs == [0.5, 0.5, 0.0]
