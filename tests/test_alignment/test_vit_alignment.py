"""TL-Align label tracing through mmpretrain ViT/DeiT against an independent reference."""
import pytest
import torch
from mmpretrain.models.backbones import ResNet, VisionTransformer

from tlalign_mm.alignment import (ExplicitSource, MixRecordSource, UnsupportedBackboneError,
                                  align_labels, build_tracer)
from tlalign_mm.augments import AlignedTokenCutMix

from .naive_reference import reference_vit_labels
from .tracing import traced_image_labels

TINY = dict(embed_dims=64, num_layers=3, num_heads=4, feedforward_channels=96)


def make_vit(arch=TINY, img_size=32, patch_size=4, seed=0, **kwargs):
    torch.manual_seed(seed)
    vit = VisionTransformer(arch=arch, img_size=img_size, patch_size=patch_size, **kwargs)
    vit.init_weights()
    with torch.no_grad():
        # Sharpen attention: with the default 0.02 init every row is near uniform, which would
        # hide an error in which token attends to which.
        for layer in vit.layers:
            layer.attn.qkv.weight.normal_(0, 0.3)
        vit.pos_embed.normal_(0, 1.0)
    vit.eval()  # mmpretrain backbones' train() returns None, so no chaining
    return vit


CASES = [
    # (arch, img_size the model is built for, input size, patch, extra kwargs)
    (TINY, 32, 32, 4, {}),
    (TINY, 32, 40, 4, {}),                          # position embedding resized to 10x10
    (TINY, 32, 36, 8, {}),                          # 36 not divisible by 8: backbone pads
    (TINY, 32, 32, 4, dict(with_cls_token=False, out_type='avg_featmap')),
    ('deit-tiny', 224, 224, 16, {}),
    ('deit-small', 224, 96, 16, {}),
]


@pytest.mark.parametrize('arch,built,size,patch,kwargs', CASES)
def test_align_labels_matches_naive_reference(arch, built, size, patch, kwargs):
    vit = make_vit(arch, built, patch, **kwargs)
    images = torch.randn(2, 3, size, size)
    # The grid is the backbone's own: mmpretrain pads 36 px up to 5x5 patches of 8.
    grid_h, grid_w = vit.patch_embed(images)[1]
    assert (grid_h, grid_w) == (-(-size // patch), ) * 2
    classes = 7
    patch_labels = torch.distributions.Dirichlet(torch.ones(classes)).sample(
        (2, grid_h * grid_w))
    cls_label = torch.distributions.Dirichlet(torch.ones(classes)).sample((2, ))
    expected = reference_vit_labels(vit, images, patch_labels, cls_label)
    for kernel in ('explicit', 'fused', 'riding', 'sdpa'):
        got = align_labels(vit, images, patch_labels, cls_label, kernel=kernel)
        assert got.shape == (2, classes)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    # Labels stay distributions.
    torch.testing.assert_close(got.sum(-1), torch.ones(2), atol=1e-5, rtol=0)
    # The alignment really moved the label away from the plain average (non-trivial case).
    assert (expected - patch_labels.mean(1)).abs().max() > 1e-3


def test_default_cls_label_is_patch_mean():
    vit = make_vit()
    images = torch.randn(3, 3, 32, 32)
    labels = torch.distributions.Dirichlet(torch.ones(5)).sample((3, 64))
    torch.testing.assert_close(
        align_labels(vit, images, labels),
        align_labels(vit, images, labels, cls_label=labels.mean(1)))


def test_batch_of_one():
    vit = make_vit()
    images = torch.randn(1, 3, 32, 32)
    scores = torch.nn.functional.one_hot(torch.tensor([7]), 10).float()
    mixed, mixed_score, record = AlignedTokenCutMix(patch_size=4).mix(images.clone(), scores)
    aligned, _ = traced_image_labels(vit, mixed, record, 'scalar')
    # Paired with itself: every source is class 7, so the aligned label is too.
    torch.testing.assert_close(aligned, scores)
    torch.testing.assert_close(mixed_score, scores)


def test_tracing_leaves_features_and_gradients_unchanged_and_label_has_no_grad():
    vit = make_vit()
    vit.train()
    images = torch.randn(4, 3, 32, 32)
    scores = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 3]), 10).float()
    mixed, _, record = AlignedTokenCutMix(patch_size=4).mix(images, scores)

    def loss_and_grads(trace, kernel='explicit'):
        vit.zero_grad()
        tracer = build_tracer(vit, kernel=kernel)
        if trace:
            source = MixRecordSource(record, 'scalar')
            tracer.attach(source)
        out = vit(mixed)[-1]
        loss = out.pow(2).sum()
        loss.backward()
        label = tracer.summary_label() if trace else None
        tracer.detach()
        return loss.detach(), [p.grad.clone() for p in vit.parameters()], label

    base_loss, base_grads, _ = loss_and_grads(False)
    # fused / sdpa: the stock kernel computes the features, so everything is bit-identical.
    for kernel in ('fused', 'sdpa'):
        loss, grads, label = loss_and_grads(True, kernel)
        assert torch.equal(loss, base_loss)
        assert all(torch.equal(g, b) for g, b in zip(grads, base_grads))
        assert not label.requires_grad and label.grad_fn is None
    # explicit: softmax(QKᵀ)V by hand; riding: the flash forward over padded heads (the
    # backward is the stock one). Both differ from the stock kernel by float rounding only.
    for kernel in ('explicit', 'riding'):
        loss, grads, label = loss_and_grads(True, kernel)
        torch.testing.assert_close(loss, base_loss, atol=0, rtol=1e-5)
        flat, base_flat = torch.cat([g.flatten() for g in grads]), torch.cat(
            [b.flatten() for b in base_grads])
        torch.testing.assert_close(flat, base_flat, atol=1e-5 * float(base_flat.abs().max()),
                                   rtol=1e-4)
        assert not label.requires_grad and label.grad_fn is None


def test_detach_restores_stock_backbone():
    vit = make_vit()
    stock = [layer.attn.scaled_dot_product_attention for layer in vit.layers]
    tracer = build_tracer(vit)
    labels = torch.rand(2, 64, 3)
    tracer.attach(ExplicitSource(labels))
    assert all(layer.attn.scaled_dot_product_attention is not s
               for layer, s in zip(vit.layers, stock))
    tracer.detach()
    assert all(layer.attn.scaled_dot_product_attention is s
               for layer, s in zip(vit.layers, stock))
    assert not vit.patch_embed._forward_hooks
    assert align_labels(vit, torch.randn(2, 3, 32, 32), labels).shape == (2, 3)
    assert all(layer.attn.scaled_dot_product_attention is s
               for layer, s in zip(vit.layers, stock))


def test_unsupported_backbone_is_refused_by_name():
    with pytest.raises(UnsupportedBackboneError, match='ResNet'):
        build_tracer(ResNet(depth=18))


def test_pixel_mask_on_padded_grid_counts_only_real_pixels():
    """36 px with 8 px patches: the last patch row/column is 4 real pixels + 4 padding."""
    tracer = build_tracer(make_vit(TINY, 32, 8))
    assert tracer.token_size == 8
    mask = torch.ones(1, 36, 36)
    mask[:, :, 34:] = 0     # last 2 real columns belong to the partner
    frac = tracer.pixels_to_tokens(mask, (5, 5)).reshape(5, 5)
    torch.testing.assert_close(frac[:, :4], torch.ones(5, 4))
    torch.testing.assert_close(frac[:, 4], torch.full((5, ), 0.5))  # 2 of 4 real pixels
