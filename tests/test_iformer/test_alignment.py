"""TL-Align through iFormer against an independent, deliberately naive reference.

The reference is written from the definition (docs/iformer.md), not from the tracer: features are
advanced by the backbone's own modules, but every attention is materialised by hand from the
block's LayerNorm and qkv weights on hand-pooled low-frequency channels (2x2 cell means, loops),
labels are pooled, moved, upsampled (``ŷ[i, j] = moved[i // 2, j // 2]``), blended by channel
share ``(C_h y + C_l ŷ) / C`` and halved with the residual, in float64; transitions take the mean
of each 2x2 cell. The channel split comes from the arch literals below, not from the modules.
"""
import numpy as np
import pytest
import torch

import tlalign_mm  # noqa: F401
from tlalign_mm.alignment import ExplicitSource, MixRecordSource, align_labels, build_tracer
from tlalign_mm.augments import AlignedCutMix, AlignedMixup
from tlalign_mm.models.backbones import IFormer

TINY = dict(depths=[1, 1, 2, 1], embed_dims=[64, 64, 96, 128], num_heads=[2, 2, 3, 4],
            attention_heads=[1, 1, 1, 2, 3])
SMALL_HEADS = [1] * 3 + [3] * 3 + [7] * 4 + [9] * 5 + [11] * 3


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_iformer(arch, seed=0, **kwargs):
    torch.manual_seed(seed)
    backbone = IFormer(arch, img_size=32, **kwargs)
    with torch.no_grad():  # peaked attention: near-uniform rows would hide who attends to whom
        for name, param in backbone.named_parameters():
            if name.endswith('low_mixer.qkv.weight'):
                param.normal_(0, 0.5)
    return backbone.eval()


def cell_means(y):
    """(B, H, W, D) -> (B, ceil(H/2), ceil(W/2), D): mean of the real positions of each cell."""
    batch, height, width, depth = y.shape
    out = y.new_zeros(batch, (height + 1) // 2, (width + 1) // 2, depth)
    for i in range(out.size(1)):
        for j in range(out.size(2)):
            out[:, i, j] = y[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2].mean(dim=(1, 2))
    return out


def nearest_up(z, height, width):
    rows, cols = torch.arange(height) // 2, torch.arange(width) // 2
    return z[:, rows][:, :, cols]


def reference_labels(backbone, images, token_labels, attention_heads, pooled_stages=(0, 1)):
    """(B, D) mean final-stage label; ``token_labels`` (B, H/4*W/4, D) on the stem grid."""
    with torch.no_grad():
        x = backbone.patch_embed(images)
        batch, _, height, width = x.shape
        y = token_labels.double().reshape(batch, height, width, -1)
        block_index = 0
        for s, stage in enumerate(backbone.stages):
            if stage.downsample is not None:
                x = stage.downsample(x)
                y = cell_means(y)
            x = x.permute(0, 2, 3, 1)
            x = x + stage.position_embedding(x.shape[1:3])
            for block in stage.blocks:
                heads = attention_heads[block_index]
                channels, low = x.size(-1), 32 * heads
                h = block.norm1(x).double()[..., channels - low:]
                pool = s in pooled_stages
                feats = cell_means(h) if pool else h
                labels = cell_means(y) if pool else y
                grid = feats.shape[1:3]
                weight = block.mixer.low_mixer.qkv.weight.double()
                bias = block.mixer.low_mixer.qkv.bias.double()
                qkv = (feats.reshape(batch, -1, low) @ weight.t() + bias)
                qkv = qkv.reshape(batch, -1, 3, heads, 32)
                q, k = qkv[:, :, 0].transpose(1, 2), qkv[:, :, 1].transpose(1, 2)
                attention = torch.softmax(q @ k.transpose(-1, -2) / 32**0.5, dim=-1).mean(1)
                moved = (attention @ labels.reshape(batch, -1, labels.size(-1)))
                moved = moved.reshape(batch, *grid, -1)
                moved = nearest_up(moved, *y.shape[1:3]) if pool else moved
                y = 0.5 * ((channels - low) / channels * y + low / channels * moved + y)
                x = block(x)
                block_index += 1
            x = x.permute(0, 3, 1, 2)
        return y.reshape(batch, -1, y.size(-1)).mean(1)


def dirichlet_labels(batch, tokens, classes=6):
    return torch.distributions.Dirichlet(torch.full((classes, ), 0.2)).sample((batch, tokens))


CASES = [
    # (arch, heads, input size, backbone kwargs, pooled stages): what the case exercises
    (TINY, TINY['attention_heads'], (32, 32), {}, (0, 1)),           # 8x8 -> 4x4 -> 2x2 -> 1x1
    (TINY, TINY['attention_heads'], (44, 76), {}, (0, 1)),           # odd, non-square: 11x19...
    (TINY, TINY['attention_heads'], (40, 56), dict(attn_pool_sizes=(1, 1, 1, 1)), ()),
    ('small', SMALL_HEADS, (48, 64), {}, (0, 1)),                     # the real S, 12x16 grid
]


@pytest.mark.parametrize('arch,heads,size,kwargs,pooled', CASES,
                         ids=['tiny-32', 'tiny-odd-nonsquare', 'tiny-no-pooling', 'small'])
def test_traced_label_equals_the_naive_reference(arch, heads, size, kwargs, pooled):
    backbone = make_iformer(arch, **kwargs)
    images = torch.randn(2, 3, *size)
    tokens = -(-size[0] // 4) * -(-size[1] // 4)
    labels = dirichlet_labels(2, tokens)
    traced = align_labels(backbone, images, labels)
    want = reference_labels(backbone, images, labels, heads, pooled)
    torch.testing.assert_close(traced.double(), want, atol=1e-5, rtol=0)
    # not vacuous: the labels moved away from the plain token mean
    assert (want - labels.double().mean(1)).abs().max() > 1e-2


def test_scalar_share_equals_kdim_labels_for_two_sources():
    backbone = make_iformer(TINY)
    images = torch.randn(3, 3, 36, 28)
    share = torch.rand(3, 9 * 7, 1)
    own, partner = dirichlet_labels(3, 1)[:, 0], dirichlet_labels(3, 1)[:, 0]
    kdim = align_labels(backbone, images, share * own[:, None] + (1 - share) * partner[:, None])
    scalar = align_labels(backbone, images, share)
    torch.testing.assert_close(scalar * own + (1 - scalar) * partner, kdim, atol=1e-6, rtol=0)


def traced_image_labels(backbone, augment, mode, seed=0):
    torch.manual_seed(seed)
    np.random.seed(seed)  # the augments draw their boxes and λ from numpy
    images = torch.randn(4, 3, 32, 32)
    scores = torch.eye(10)[torch.tensor([0, 3, 5, 7])]
    mixed, area_scores, record = augment.mix(images, scores)
    tracer = build_tracer(backbone)
    tracer.attach(MixRecordSource(record, mode))
    with torch.no_grad():
        backbone(mixed)
    source = tracer.source
    tracer.detach()
    return source.image_label(tracer.summary_label()), area_scores


@pytest.mark.parametrize('mode', ['scalar', 'kdim'])
def test_mixup_is_a_no_op_and_cutmix_is_not(mode):
    backbone = make_iformer(TINY)
    aligned, area = traced_image_labels(backbone, AlignedMixup(alpha=0.8), mode)
    torch.testing.assert_close(aligned, area, atol=1e-6, rtol=0)
    aligned, area = traced_image_labels(backbone, AlignedCutMix(alpha=1.0), mode, seed=3)
    assert (aligned - area).abs().max() > 1e-2


def test_recomputed_blocks_do_not_move_labels_twice_and_hooks_go_away():
    plain = make_iformer(TINY)
    checkpointed = make_iformer(TINY, with_cp=True)
    images = torch.randn(2, 3, 32, 32)
    labels = dirichlet_labels(2, 64)
    results = []
    for backbone in (plain, checkpointed):
        backbone.train()
        tracer = build_tracer(backbone)
        tracer.history = []
        tracer.attach(ExplicitSource(labels))
        out = backbone(images)[0]
        summary = tracer.summary_label()
        out.square().mean().backward()  # with_cp recomputes every block here
        results.append((summary, len(tracer.history), tracer.summary_label()))
        tracer.detach()
        assert not any(m._forward_hooks for m in backbone.modules())
    (plain_label, plain_len, _), (cp_label, cp_len, cp_after) = results
    assert plain_len == cp_len == 1 + 5
    torch.testing.assert_close(cp_label, plain_label)
    torch.testing.assert_close(cp_after, cp_label)
