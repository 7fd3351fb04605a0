"""TL-Align label tracing through mmpretrain SwinTransformer against an independent reference.

The reference below is written from the definition ("Swin" in docs/tl_align.md), not from the
tracer: it calls no pad, roll or window-partition function. The padded grid is laid out
explicitly (zero features, no label at padding positions); each position's window is found from
its coordinates
(shifted by the block's shift, wrapped around the padded grid); window attention is formed by
hand from the block's qkv weights, relative position bias table and the shift rule (positions
only see positions that wrapped around the same way), softmaxed, averaged over heads and then
renormalised over the real tokens of the window; full K-dim labels are moved in float64. Patch
merging averages the real tokens of each 2x2 group. The features themselves are advanced by the
stock modules.
"""
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import SwinTransformer

from tlalign_mm.alignment import ExplicitSource, MixRecordSource, align_labels, build_tracer
from tlalign_mm.augments import AlignedTokenCutMix

SMALL = dict(embed_dims=32, depths=[2, 2, 2], num_heads=[2, 2, 4])
TWO_STAGE = dict(embed_dims=32, depths=[2, 2], num_heads=[2, 4])


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Small CPU kernels: one intra-op thread is about as fast on an idle machine and does not
    spin against other jobs on a shared one (two OpenMP threads did, up to 50x slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ---- the naive reference -------------------------------------------------------------------
def effective_shift(attn, grid):
    """ShiftWindowMSA's rule: a map exactly one window wide is not shifted unless padded."""
    if min(grid) == attn.window_size and not attn.pad_small_map:
        return 0
    return attn.shift_size


def reference_block_labels(block, x, grid, labels):
    attn, msa = block.attn, block.attn.w_msa
    ws, shift = attn.window_size, effective_shift(attn, grid)
    height, width = grid
    padded_h, padded_w = math.ceil(height / ws) * ws, math.ceil(width / ws) * ws
    batch, _, channels = x.shape
    heads = msa.num_heads
    head_dim = channels // heads

    # Explicit padding: every position of the padded grid, real tokens row-major among them;
    # padding positions hold zero features (as mmpretrain pads after norm1) and no label.
    rows = torch.arange(padded_h * padded_w) // padded_w
    cols = torch.arange(padded_h * padded_w) % padded_w
    real = (rows < height) & (cols < width)
    h = torch.zeros(batch, padded_h * padded_w, channels, dtype=torch.float64)
    h[:, real] = block.norm1(x).double()
    y = torch.zeros(batch, padded_h * padded_w, labels.size(-1), dtype=torch.float64)
    y[:, real] = labels

    qkv = h @ msa.qkv.weight.double().t() + msa.qkv.bias.double()
    q = qkv[..., :channels].reshape(batch, -1, heads, head_dim) * msa.scale
    k = qkv[..., channels:2 * channels].reshape(batch, -1, heads, head_dim)
    table = msa.relative_position_bias_table.double()

    # The cyclic shift by coordinates: position (r, c) lands at ((r - s) mod Hp, (c - s) mod Wp);
    # the positions with r < s (or c < s) wrapped around and may only see each other.
    rolled_r, rolled_c = (rows - shift) % padded_h, (cols - shift) % padded_w
    window_id = (rolled_r // ws) * (padded_w // ws) + rolled_c // ws
    in_r, in_c = rolled_r % ws, rolled_c % ws
    wrapped_r, wrapped_c = rows < shift, cols < shift

    # Group the positions by window (all windows at once; within a window any order works).
    members = torch.argsort(window_id, stable=True).view(-1, ws * ws)  # (nW, n)
    assert bool((window_id[members] == window_id[members][:, :1]).all())
    pr, pc = in_r[members], in_c[members]
    rel = ((pr[:, :, None] - pr[:, None, :] + ws - 1) * (2 * ws - 1) +
           (pc[:, :, None] - pc[:, None, :] + ws - 1))
    logits = torch.einsum('bwihd,bwjhd->bwhij', q[:, members], k[:, members])
    logits = logits + table[rel].permute(0, 3, 1, 2)[None]
    if shift:
        wr, wc = wrapped_r[members], wrapped_c[members]
        same = ((wr[:, :, None] == wr[:, None, :]) & (wc[:, :, None] == wc[:, None, :]))
        logits = logits.masked_fill(~same[None, :, None], float('-inf'))
    attention = logits.softmax(-1).mean(2)  # (B, nW, n, n) head-averaged, padding included
    attention = attention * real[members].double()[None, :, None, :]  # padding has no label:
    attention = attention / attention.sum(-1, keepdim=True)  # renormalise over real keys
    moved = torch.zeros_like(y)
    moved[:, members.flatten()] = (attention @ y[:, members]).flatten(1, 2)
    return 0.5 * (moved[:, real] + labels)


def reference_merge(labels, grid):
    height, width = grid
    out_h, out_w = math.ceil(height / 2), math.ceil(width / 2)
    merged = []
    for r in range(out_h):
        for c in range(out_w):
            group = [(2 * r + dr) * width + 2 * c + dc for dr in (0, 1) for dc in (0, 1)
                     if 2 * r + dr < height and 2 * c + dc < width]
            merged.append(labels[:, group].mean(1))
    return torch.stack(merged, dim=1), (out_h, out_w)


def reference_swin_labels(backbone, images, patch_labels):
    assert not backbone.use_abs_pos_embed
    backbone.eval()
    with torch.no_grad():
        x, grid = backbone.patch_embed(images)
        labels = patch_labels.double()
        for stage in backbone.stages:
            for block in stage.blocks:
                labels = reference_block_labels(block, x, grid, labels)
                x = block(x, grid)
            if stage.downsample is not None:
                labels, merged_grid = reference_merge(labels, grid)
                x, grid = stage.downsample(x, grid)
                assert tuple(grid) == merged_grid
        return labels.mean(1).float()


# ---- helpers -------------------------------------------------------------------------------
def make_swin(arch=SMALL, window_size=7, seed=0, **kwargs):
    torch.manual_seed(seed)
    kwargs.setdefault('drop_path_rate', 0.0)
    stages = len(arch['depths']) if isinstance(arch, dict) else 4
    swin = SwinTransformer(arch=arch, window_size=window_size, out_indices=(stages - 1, ),
                           **kwargs)
    swin.init_weights()
    with torch.no_grad():
        # Sharpen attention (the 0.02 init makes every row near uniform) and make the relative
        # position bias matter, so an error in who attends to whom cannot hide.
        for stage in swin.stages:
            for block in stage.blocks:
                msa = block.attn.w_msa
                msa.qkv.weight.normal_(0, 1.5 / msa.embed_dims**0.5)
                msa.relative_position_bias_table.normal_(0, 1.0)
    swin.eval()
    return swin


def dirichlet_labels(batch, tokens, classes=7):
    # Concentration 0.2: near one-hot tokens, so mixing them visibly changes the mean label.
    return torch.distributions.Dirichlet(torch.full((classes, ), 0.2)).sample((batch, tokens))


def grid_of(swin, images):
    with torch.no_grad():
        return tuple(swin.patch_embed(images)[1])


def all_hooks(module):
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in module.modules())


# ---- exactness against the reference -------------------------------------------------------
CASES = [
    # (arch, window, input size, extra kwargs): what the case exercises
    ('tiny', 7, 224, {}),           # the real Swin-T: no padding; stage 4 is one window, unshifted
    (SMALL, 7, 200, {}),            # 50x50 -> pad 56; 25 -> 28; odd 25 and 13 merged with padding
    (SMALL, 5, 52, dict(pad_small_map=True)),  # 13 -> 15; 7 -> 10; 4 < window: padded AND shifted
    (SMALL, 5, (44, 76), dict(pad_small_map=True)),  # not square: 11x19 -> 6x10 -> 3x5
]


@pytest.mark.parametrize('arch,window,size,kwargs', CASES)
def test_align_labels_matches_naive_reference(arch, window, size, kwargs):
    swin = make_swin(arch, window, **kwargs)
    height, width = size if isinstance(size, tuple) else (size, size)
    images = torch.randn(1 if arch == 'tiny' else 2, 3, height, width)
    grid = grid_of(swin, images)
    assert grid == (height // 4, width // 4)
    labels = dirichlet_labels(images.size(0), grid[0] * grid[1])
    expected = reference_swin_labels(swin, images, labels)
    got = align_labels(swin, images, labels)
    assert got.shape == expected.shape == (images.size(0), 7)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(got.sum(-1), torch.ones(images.size(0)), atol=1e-5, rtol=0)
    # Non-trivial: the alignment moved the label away from the plain token mean by far more
    # than the tolerance (thousands of tokens average out, so the shift is small at 224).
    assert (expected - labels.mean(1)).abs().max() > 50 * 1e-5


def test_history_records_every_block_on_its_stage_grid():
    swin = make_swin(SMALL, 7)
    images = torch.randn(2, 3, 200, 200)
    labels = dirichlet_labels(2, 50 * 50, classes=3)
    tracer = build_tracer(swin)
    tracer.history = []
    tracer.attach(ExplicitSource(labels))
    with torch.no_grad():
        swin(images)
    summary = tracer.summary_label()
    tracer.detach()
    history = tracer.history
    assert len(history) == 1 + sum(SMALL['depths'])
    assert [h[0].shape for h in history] == [torch.Size([2, n, 3]) for n in
                                              [2500] * 3 + [625] * 2 + [169] * 2]
    torch.testing.assert_close(history[0][0], labels)
    for tokens, mean in history:
        torch.testing.assert_close(mean, tokens.mean(1))
        assert not tokens.requires_grad
    torch.testing.assert_close(history[-1][1], summary)


# ---- scalar path, augments, Mixup ----------------------------------------------------------
@pytest.mark.parametrize('patch_size', [4, 32])
def test_token_cutmix_box_snaps_to_the_swin_grid(patch_size):
    augment = AlignedTokenCutMix(alpha=1.0, patch_size=patch_size)
    scores = F.one_hot(torch.arange(4), 10).float()
    cuts = 0
    for seed in range(20):
        torch.manual_seed(seed)
        np.random.seed(seed)
        _, mixed_score, record = augment.mix(torch.randn(4, 3, 224, 224), scores.float())
        cells = F.avg_pool2d(record.own_mask[:, None], patch_size)
        assert bool(((cells == 0) | (cells == 1)).all())  # every cell wholly own or partner
        kept = record.own_mask.mean((1, 2))
        torch.testing.assert_close(record.lam, kept)
        cuts += int((kept < 1).any())
    assert cuts > 10


# ---- training-time behaviour ---------------------------------------------------------------
def test_tracing_leaves_features_and_gradients_unchanged_and_label_has_no_grad():
    swin = make_swin(TWO_STAGE, 4, drop_path_rate=0.2,
                     stage_cfgs=dict(block_cfgs=dict(attn_cfgs=dict(attn_drop=0.5))))
    swin.train()
    images = torch.randn(4, 3, 60, 60)
    scores = F.one_hot(torch.tensor([0, 1, 2, 3]), 10).float()
    torch.manual_seed(0)
    mixed, _, record = AlignedTokenCutMix(patch_size=4).mix(images, scores)

    def loss_and_grads(trace):
        swin.zero_grad()
        tracer = build_tracer(swin)
        if trace:
            tracer.attach(MixRecordSource(record, 'kdim'))
        torch.manual_seed(7)  # same drop-path and attention-dropout draws in both runs
        loss = swin(mixed)[-1].pow(2).sum()
        loss.backward()
        label = tracer.summary_label() if trace else None
        tracer.detach()
        return loss.detach(), [p.grad.clone() for p in swin.parameters()], label

    base_loss, base_grads, _ = loss_and_grads(False)
    loss, grads, label = loss_and_grads(True)
    assert torch.equal(loss, base_loss)
    assert all(torch.equal(g, b) for g, b in zip(grads, base_grads))
    assert not label.requires_grad and label.grad_fn is None
    # Labels use the attention before dropout (rows sum to one), so they stay distributions
    # even with attention dropout 0.5 in every block (the K classes; the last channel is the
    # own-image share).
    torch.testing.assert_close(label[:, :-1].sum(-1), torch.ones(4), atol=1e-5, rtol=0)


def test_activation_checkpointing_moves_labels_once():
    """with_cp recomputes each block during backward; that must not move the labels again."""
    plain, checkpointed = make_swin(TWO_STAGE, 4), make_swin(TWO_STAGE, 4, with_cp=True)
    images = torch.randn(2, 3, 60, 60)
    labels = dirichlet_labels(2, 15 * 15, classes=4)
    expected = align_labels(plain, images, labels)
    checkpointed.train()
    calls = []
    counter = checkpointed.stages[0].blocks[1].attn.w_msa.softmax.register_forward_hook(
        lambda *args: calls.append(1))
    tracer = build_tracer(checkpointed)
    tracer.history = []
    tracer.attach(ExplicitSource(labels))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # torch's notice about use_reentrant
        out = checkpointed(images)[-1]
        before = tracer.summary_label()
        out.sum().backward()
    tracer.detach()
    counter.remove()
    assert len(calls) == 2  # the block really ran twice: forward, then recomputed in backward
    torch.testing.assert_close(before, expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(tracer.summary_label(), before, atol=0, rtol=0)
    assert len(tracer.history) == 1 + sum(TWO_STAGE['depths'])


def test_detach_leaves_the_stock_backbone():
    swin = make_swin(TWO_STAGE, 4)
    stock_hooks = all_hooks(swin)
    stock_forwards = [m.forward for m in swin.modules()]
    tracer = build_tracer(swin)
    tracer.attach(ExplicitSource(torch.rand(2, 225, 3)))
    assert all_hooks(swin) > stock_hooks
    tracer.detach()
    assert all_hooks(swin) == stock_hooks
    assert align_labels(swin, torch.randn(2, 3, 60, 60), torch.rand(2, 225, 3)).shape == (2, 3)
    assert all_hooks(swin) == stock_hooks
    assert [m.forward for m in swin.modules()] == stock_forwards
    assert not any('forward' in vars(m) for m in swin.modules())  # no instance swaps


def test_summary_needs_a_complete_traced_pass():
    swin = make_swin(TWO_STAGE, 4)
    tracer = build_tracer(swin)
    with pytest.raises(RuntimeError, match='no traced forward pass'):
        tracer.summary_label()
