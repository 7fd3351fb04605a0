"""MixToken through the real model path: the preprocessor's MixToken augment draws the box and
the λ' class target, the classifier mixes the patch embeddings, the head swaps the box outputs
back. Checked against an explicit bookkeeping of which image each token's content came from."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tlalign_mm.augments import TokenMixRecord

from .tiny import NUM_CLASSES, dense_of, score_map_batch, tiny_classifier


def smooth(target, eps=0.1):
    return target * (1 - eps) + eps / NUM_CLASSES


def soft_ce(logits, target):
    return -(smooth(target) * F.log_softmax(logits.double(), -1)).sum(-1).mean()


DEIT = dict(type='VisionTransformer', arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                               feedforward_channels=64),
            img_size=32, patch_size=8, out_type='raw')


@pytest.mark.parametrize('backbone', ['lvvit', 'deit'])
def test_swap_back_pairs_every_token_with_its_source_image(backbone):
    """LV-ViT, and mmpretrain's VisionTransformer (DeiT + token labeling) unchanged."""
    np.random.seed(3)
    model = tiny_classifier(augment=dict(type='MixToken', token_size=8),
                            backbone=DEIT if backbone == 'deit' else None)
    model.train()
    with torch.no_grad():  # token outputs that tell the classes apart
        model.head.fc_aux.weight.normal_(0, 1)
    data = model.data_preprocessor(score_map_batch(), training=True)
    samples = data['data_samples']
    record = samples[0].mix_record
    assert isinstance(record, TokenMixRecord)
    backbone = model.backbone

    seen = {}
    backbone.patch_embed.register_forward_hook(
        lambda m, a, out: seen.update(clean=out[0].detach().clone()))
    backbone.layers[0].register_forward_pre_hook(lambda m, a: seen.update(
        mixed=(a[0][:, 1:] - backbone.pos_embed[:, 1:]).detach()))
    model.head.fc_aux.register_forward_hook(
        lambda m, a, out: seen.update(aux=out.detach().double()))
    losses = model(**data, mode='loss')

    # Which image's patch embedding sits in each token (nearest clean embedding).
    distance = (seen['mixed'][:, None] - seen['clean'][None]).norm(dim=-1)  # (B, B', N)
    source = distance.argmin(dim=1)  # (B, N)
    assert distance.amin(dim=1).max() < 1e-5
    box = record.token_own[0] == 0
    batch = source.size(0)
    assert 0 < int(box.sum()) < 16, 'the drawn box must mix something for this test'
    flipped = torch.arange(batch - 1, -1, -1)
    assert torch.equal(source[:, ~box], torch.arange(batch)[:, None].expand(-1, int((~box).sum())))
    assert torch.equal(source[:, box], flipped[:, None].expand(-1, int(box.sum())))

    # λ' = kept token fraction; class target = λ' y_a + (1 − λ') y_b.
    kept = 1 - float(box.sum()) / 16
    assert torch.allclose(record.lam, torch.full((batch, ), kept))
    one_hot = torch.eye(NUM_CLASSES)[:batch]
    want_cls = kept * one_hot + (1 - kept) * one_hot[flipped]
    torch.testing.assert_close(torch.stack([s.gt_score for s in samples]), want_cls)

    # Reference dense loss: the output computed from image b's token i is scored against
    # image b's own target at token i, wherever in the batch that output was computed.
    aux = seen['aux']
    pairs_logits, pairs_target = [], []
    for b in range(batch):
        for i in range(16):
            holder = int((source[:, i] == b).nonzero()[0])
            pairs_logits.append(aux[holder, i])
            pairs_target.append(dense_of(samples[b])[i].double())
    want_dense = soft_ce(torch.stack(pairs_logits), torch.stack(pairs_target))
    torch.testing.assert_close(losses["loss_dense"].double(), want_dense, atol=1e-6, rtol=1e-6)
    # Not vacuous: without the swap-back the loss differs.
    unswapped = soft_ce(aux.reshape(-1, NUM_CLASSES),
                        torch.stack([dense_of(s) for s in samples]).reshape(-1, NUM_CLASSES))
    assert abs(float(unswapped) - float(want_dense)) > 1e-2


def test_mix_token_refuses_a_grid_it_does_not_tile():
    from tlalign_mm.augments import MixToken
    with pytest.raises(ValueError, match='divisible by token_size 16'):
        MixToken(token_size=16)(torch.zeros(2, 3, 40, 32), torch.eye(2))
