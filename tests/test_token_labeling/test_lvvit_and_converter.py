"""LV-ViT: published parameter counts, the authors' checkpoints converting and loading strictly,
and a forward pass equal to a plain-torch reference of the authors' model built from their keys.

The authors' state dicts are made here from the spec's arch table (depth / width / heads / stem
width), not from our modules, so a wrong shape or name on our side fails the strict load.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401  (registers LVViT, TokenLabelingHead)

from model_converters.converter_cli import source_state_dict
from model_converters.lvvit_to_mmpretrain import convert, main

# depth, width, heads, λ_res, stem width (spec); classes 1000, 224 px.
ARCHS = dict(t=(12, 240, 4, 1.0, 64), s=(16, 384, 6, 2.0, 64), m=(20, 512, 8, 2.0, 64),
             l=(24, 768, 12, 3.0, 128))
PUBLISHED_MILLIONS = dict(t=8.5, s=26.0, m=56.0, l=150.0)


def classifier_cfg(arch, img_size=224, num_classes=1000):
    width = ARCHS[arch][1] if isinstance(arch, str) else arch['embed_dims']
    return dict(type='TokenLabelingClassifier',
                backbone=dict(type='LVViT', arch=arch, img_size=img_size),
                head=dict(type='TokenLabelingHead', num_classes=num_classes, in_channels=width))


def authors_state_dict(depth, dim, stem, classes=1000, tokens=197, patch=16, mlp_ratio=3,
                       make=torch.empty):
    """Keys and shapes of the authors' LV_ViT (timm) with return_dense=True."""
    sd = {'cls_token': make(1, 1, dim), 'pos_embed': make(1, tokens, dim)}
    for i, c_in, k in ((1, 3, 7), (2, stem, 3), (3, stem, 3)):
        sd[f'patch_embed.conv{i}.weight'] = make(stem, c_in, k, k)
        for name in ('weight', 'bias', 'running_mean', 'running_var'):
            sd[f'patch_embed.bn{i}.{name}'] = make(stem)
        sd[f'patch_embed.bn{i}.num_batches_tracked'] = torch.zeros((), dtype=torch.long)
    sd['patch_embed.proj.weight'] = make(dim, stem, patch // 2, patch // 2)
    sd['patch_embed.proj.bias'] = make(dim)
    hidden = dim * mlp_ratio
    for b in range(depth):
        p = f'blocks.{b}.'
        for norm in ('norm1', 'norm2'):
            sd[p + norm + '.weight'], sd[p + norm + '.bias'] = make(dim), make(dim)
        sd[p + 'attn.qkv.weight'] = make(3 * dim, dim)
        sd[p + 'attn.proj.weight'], sd[p + 'attn.proj.bias'] = make(dim, dim), make(dim)
        sd[p + 'mlp.fc1.weight'], sd[p + 'mlp.fc1.bias'] = make(hidden, dim), make(hidden)
        sd[p + 'mlp.fc2.weight'], sd[p + 'mlp.fc2.bias'] = make(dim, hidden), make(dim)
    sd['norm.weight'], sd['norm.bias'] = make(dim), make(dim)
    for head in ('head', 'aux_head'):
        sd[head + '.weight'], sd[head + '.bias'] = make(classes, dim), make(classes)
    return sd


@pytest.mark.parametrize('arch', list(ARCHS))
def test_parameter_count_and_strict_load(arch):
    with torch.device('meta'):
        model = MODELS.build(classifier_cfg(arch))
        depth, dim, _, _, stem = ARCHS[arch]
        theirs = authors_state_dict(depth, dim, stem)
    millions = sum(p.numel() for p in model.parameters()) / 1e6
    assert abs(millions / PUBLISHED_MILLIONS[arch] - 1) < 0.01, millions
    ours = convert(source_state_dict({'model': {'module.' + k: v for k, v in theirs.items()}}))
    result = model.load_state_dict(ours, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert len(ours) == len(model.state_dict())


def reference_forward(sd, x, heads, res_scale, eps=1e-5):
    """The authors' LV_ViT.forward in eval mode, written from their keys with plain torch."""
    for i, (stride, pad) in enumerate(((2, 3), (1, 1), (1, 1)), start=1):
        x = F.conv2d(x, sd[f'patch_embed.conv{i}.weight'], stride=stride, padding=pad)
        bn = [sd[f'patch_embed.bn{i}.{n}'] for n in ('running_mean', 'running_var', 'weight',
                                                      'bias')]
        x = F.relu(F.batch_norm(x, *bn, training=False, eps=1e-5))
    proj = sd['patch_embed.proj.weight']
    x = F.conv2d(x, proj, sd['patch_embed.proj.bias'], stride=proj.shape[-1])
    x = x.flatten(2).transpose(1, 2)
    x = torch.cat([sd['cls_token'].expand(x.size(0), -1, -1), x], 1) + sd['pos_embed']
    batch, tokens, dim = x.shape
    depth = 1 + max(int(k.split('.')[1]) for k in sd if k.startswith('blocks.'))
    for b in range(depth):
        p = f'blocks.{b}.'
        h = F.layer_norm(x, (dim, ), sd[p + 'norm1.weight'], sd[p + 'norm1.bias'], eps)
        q, k, v = (h @ sd[p + 'attn.qkv.weight'].t()).reshape(
            batch, tokens, 3, heads, dim // heads).permute(2, 0, 3, 1, 4)
        attn = ((q * (dim // heads)**-0.5) @ k.transpose(-2, -1)).softmax(-1)
        h = (attn @ v).transpose(1, 2).reshape(batch, tokens, dim)
        x = x + F.linear(h, sd[p + 'attn.proj.weight'], sd[p + 'attn.proj.bias']) / res_scale
        h = F.layer_norm(x, (dim, ), sd[p + 'norm2.weight'], sd[p + 'norm2.bias'], eps)
        h = F.linear(F.gelu(F.linear(h, sd[p + 'mlp.fc1.weight'], sd[p + 'mlp.fc1.bias'])),
                     sd[p + 'mlp.fc2.weight'], sd[p + 'mlp.fc2.bias'])
        x = x + h / res_scale
    x = F.layer_norm(x, (dim, ), sd['norm.weight'], sd['norm.bias'], eps)
    cls = F.linear(x[:, 0], sd['head.weight'], sd['head.bias'])
    aux = F.linear(x[:, 1:], sd['aux_head.weight'], sd['aux_head.bias'])
    return cls + 0.5 * aux.max(1)[0]


def test_converted_checkpoint_matches_the_authors_forward(tmp_path, capsys):
    """The converter's command line on a file; the result loads strictly and computes the
    authors' model (stem, re-scaled residual, no qkv bias, inference formula)."""
    torch.manual_seed(0)
    arch = dict(embed_dims=48, num_layers=2, num_heads=3, feedforward_channels=144,
                res_scale=2.0, stem_channels=16)
    theirs = authors_state_dict(2, 48, 16, classes=7, tokens=1 + 4 * 4,
                                make=lambda *s: torch.randn(*s) * 0.2)
    for i in (1, 2, 3):
        theirs[f'patch_embed.bn{i}.running_var'] = torch.rand(16) + 0.5
    src, dst = tmp_path / 'lvvit_authors.pth.tar', tmp_path / 'ours.pth'
    torch.save({'state_dict': theirs, 'epoch': 3}, src)
    assert main([str(src), str(dst)]) == 0
    assert main([str(src), str(dst)]) == 2
    assert 'refusing to overwrite' in capsys.readouterr().err

    model = MODELS.build(classifier_cfg(arch, img_size=64, num_classes=7)).eval()
    state = torch.load(dst, weights_only=True)['state_dict']
    model.load_state_dict(state, strict=True)
    x = torch.randn(2, 3, 64, 64)
    want = reference_forward(theirs, x, heads=3, res_scale=2.0)
    with torch.no_grad():
        got = model(x, mode='tensor')
        # predict() returns the same inference formula, softmaxed.
        pred = model.predict(x)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(torch.stack([p.pred_score for p in pred]), want.softmax(-1))


def test_any_image_size_and_featmaps():
    """Non-square input resizes the position embedding; featmaps of chosen blocks for dense
    tasks; a 64 px checkpoint loads into a 96 px backbone (pos_embed resized on load)."""
    arch = dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=96,
                res_scale=2.0, stem_channels=8)
    small = MODELS.build(dict(type='LVViT', arch=arch, img_size=64))
    dense = MODELS.build(dict(type='LVViT', arch=arch, img_size=96, out_type='featmap',
                              out_indices=(1, 3)))
    dense.load_state_dict(small.state_dict(), strict=True)
    assert dense.pos_embed.shape == (1, 1 + 36, 32)
    outs = dense(torch.randn(1, 3, 80, 112))
    assert [tuple(o.shape) for o in outs] == [(1, 32, 5, 7), (1, 32, 5, 7)]
    assert math.isclose(float(small(torch.randn(1, 3, 64, 64))[0].shape[1]), 17)


def test_converter_refuses_foreign_keys(tmp_path, capsys):
    src = tmp_path / 'resnet.pth'
    torch.save({'conv1.weight': torch.zeros(1), 'fc.weight': torch.zeros(1)}, src)
    assert main([str(src), str(tmp_path / 'x.pth')]) == 2
    assert not (tmp_path / 'x.pth').exists()
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: 2 keys are not LV-ViT keys of the authors' release, e.g. "
        "['conv1.weight', 'fc.weight']"]
