"""TL-Align through LV-ViT (the registered tracer) against a naive reference written here.

The reference materialises every block's attention from its qkv weights in float64
(softmax(q kᵀ/√d), head mean), moves full K-dim labels by ``y ← ½(Ā y + y)`` and takes each
token's initial own-image share from the pixels of its 8×8 footprint by plain reshaping. The
features themselves are advanced by the model's own blocks.
"""
import numpy as np
import pytest
import torch

from tlalign_mm.alignment import MixRecordSource, build_tracer
from tlalign_mm.alignment.lvvit import LVViTLabelTracer

from .tiny import score_map_batch, tiny_classifier


def reference_labels(backbone, first_tokens, patch_labels, cls_label):
    """(cls label, token labels) after the last block; ``first_tokens`` are the (B, N, C)
    token embeddings the blocks start from (mixed or not), before class token and pos."""
    with torch.no_grad():
        batch = first_tokens.size(0)
        x = torch.cat([backbone.cls_token.expand(batch, -1, -1), first_tokens], 1)
        x = x + backbone.pos_embed
        labels = torch.cat([cls_label[:, None], patch_labels], 1).double()
        for layer in backbone.layers:
            attn = layer.attn
            h = layer.ln1(x).double()
            qkv = (h @ attn.qkv.weight.double().t()).reshape(batch, x.size(1), 3,
                                                              attn.num_heads, -1)
            q, k = qkv[:, :, 0].transpose(1, 2), qkv[:, :, 1].transpose(1, 2)
            a = torch.softmax(q @ k.transpose(-1, -2) / q.size(-1)**0.5, -1).mean(1)
            labels = 0.5 * (a @ labels + labels)
            x = layer(x)
    return labels[:, 0], labels[:, 1:]


def footprint(own_mask, cell=8):
    b, h, w = own_mask.shape
    return own_mask.reshape(b, h // cell, cell, w // cell, cell).mean((2, 4)).flatten(1)


def traced(model, data, record, kernel):
    tracer = build_tracer(model.backbone, kernel=kernel)
    assert isinstance(tracer, LVViTLabelTracer) and tracer.token_size == 8
    seen = {}
    model.backbone.layers[0].register_forward_pre_hook(lambda m, a: seen.update(
        first=(a[0][:, 1:] - model.backbone.pos_embed[:, 1:]).detach()))
    tracer.attach(MixRecordSource(record, 'kdim'))
    try:
        with torch.no_grad():
            model(**data, mode='loss')
        return tracer.summary_label(), tracer.token_labels(), seen['first']
    finally:
        tracer.detach()


@pytest.mark.parametrize('augment', ['MixToken', 'AlignedCutMix'])
@pytest.mark.parametrize('kernel', ['auto', 'explicit', 'sdpa'])
def test_tracer_matches_naive_reference(augment, kernel):
    np.random.seed(5)
    cfg = dict(type='MixToken', token_size=8) if augment == 'MixToken' else dict(
        type='AlignedCutMix', alpha=1.0)
    model = tiny_classifier(augment=cfg).eval()
    data = model.data_preprocessor(score_map_batch(), training=True)
    record = data['data_samples'][0].mix_record
    got_cls, got_tokens, first = traced(model, data, record, kernel)

    share = footprint(record.own_mask).double()[..., None]
    if augment == 'MixToken':  # a token-level mix: shares are exactly 0 or 1
        assert set(share.unique().tolist()) == {0.0, 1.0}
    else:
        assert ((share > 0) & (share < 1)).any(), 'a pixel box should split some tokens'
    own, partner = record.own_score.double(), record.partner_score.double()
    lam = record.lam.double()[:, None]
    want_cls, want_tokens = reference_labels(
        model.backbone, first, share * own[:, None] + (1 - share) * partner[:, None],
        lam * own + (1 - lam) * partner)
    torch.testing.assert_close(got_cls[:, :-1].double(), want_cls, atol=1e-5, rtol=0)
    torch.testing.assert_close(got_tokens[..., :-1].double(), want_tokens, atol=1e-5, rtol=0)
    # The K-dim labels' last channel is the own-image share, moved by the same rule.
    want_share_cls, want_share_tokens = reference_labels(model.backbone, first, share, lam)
    torch.testing.assert_close(got_cls[:, -1:].double(), want_share_cls, atol=1e-5, rtol=0)
    torch.testing.assert_close(got_tokens[..., -1:].double(), want_share_tokens, atol=1e-5,
                               rtol=0)
    # Not vacuous: tracing moved the class label away from the area mix.
    assert (want_cls - (lam * own + (1 - lam) * partner)).abs().max() > 1e-2
