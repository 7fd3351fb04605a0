"""Checkpoints in and out through real timm: a timm DeiT-T/S and Swin-T state dict converted
by our tools loads strictly into the project's ImageNet configs and gives timm's logits; our
checkpoint exported back loads into timm through ``pretrained_cfg_overlay`` and gives the same
logits; each converter refuses another architecture in one line. (DeiT-B is DeiT-S's key map at
width 768: left out of the suite for its time.)

timm is a test-only dependency; the weights are timm's random initialisation, perturbed so that
no zero-initialised tensor (a head, a bias) hides a wrong mapping.
"""
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401
from ..conftest import config_path
from model_converters import (iformer_to_mmpretrain, lvvit_to_mmpretrain, mmpretrain_to_timm,
                              swin_to_mmpretrain, timm_vit_to_mmpretrain)

timm = pytest.importorskip('timm')

CASES = {  # timm name: (our ImageNet config, our converter)
    'deit_tiny_patch16_224': (('pretrain', 'deit', 'deit-tiny_tlalign_8xb128_in1k.py'),
                              timm_vit_to_mmpretrain),
    'deit_small_patch16_224': (('pretrain', 'deit', 'deit-small_tlalign_8xb128_in1k.py'),
                               timm_vit_to_mmpretrain),
    'swin_tiny_patch4_window7_224': (('pretrain', 'swin', 'swin-tiny_tlalign_8xb128_in1k.py'),
                                     swin_to_mmpretrain),
}


def timm_model(name, **kwargs):
    torch.manual_seed(0)
    model = timm.create_model(name, **kwargs).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.02 * torch.randn_like(param))
    return model


def official_swin_layout(model):
    """The Microsoft release layout of a timm Swin: patch merging at the end of stage i (timm: at
    the start of i+1), ``head.*`` (timm: ``head.fc.*``), and the index / mask buffers that the
    official files carry. timm's own filter must map it back to the timm state dict."""
    state = {}
    for key, value in model.state_dict().items():
        key = re.sub(r'^layers\.(\d+)\.downsample\.',
                     lambda m: f'layers.{int(m[1]) - 1}.downsample.', key)
        state[key.replace('head.fc.', 'head.')] = value
    for name, buffer in model.named_buffers():
        if name.endswith(('relative_position_index', 'attn_mask')):
            state[name] = buffer
    from timm.models.swin_transformer import checkpoint_filter_fn
    assert checkpoint_filter_fn(dict(state), model).keys() == model.state_dict().keys()
    return state


def logits(model, x):
    with torch.no_grad():
        return model(x, mode='tensor') if hasattr(model, 'data_preprocessor') else model(x)


def one_error_line(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize('name', list(CASES))
def test_timm_in_and_out_gives_timm_logits(name, tmp_path):
    config, converter = CASES[name]
    theirs = timm_model(name)
    src, ours_file, back = tmp_path / 'timm.pth', tmp_path / 'ours.pth', tmp_path / 'back.pth'
    state = (official_swin_layout(theirs) if 'swin' in name else theirs.state_dict())
    torch.save({'model': state}, src)  # how DeiT's and Swin's releases wrap it
    assert converter.main([str(src), str(ours_file)]) == 0

    ours = MODELS.build(Config.fromfile(config_path(*config)).model).eval()
    load_checkpoint(ours, str(ours_file), map_location='cpu', strict=True)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    expected = logits(theirs, x)
    torch.testing.assert_close(logits(ours, x), expected, atol=1e-4, rtol=0)

    assert mmpretrain_to_timm.main([str(ours_file), str(back)]) == 0
    exported = timm.create_model(name, pretrained=True,
                                 pretrained_cfg_overlay=dict(file=str(back))).eval()
    torch.testing.assert_close(logits(exported, x), expected, atol=1e-4, rtol=0)


def test_timm_swin_layout_and_headless_vit_convert(tmp_path):
    """timm >= 0.6 saves Swin in its own layout; a checkpoint without a classifier converts to
    the backbone alone, which loads strictly into the backbone."""
    swin = timm_model('swin_tiny_patch4_window7_224', depths=(1, 1, 1, 1), num_classes=0)
    plain = swin_to_mmpretrain.convert(swin.state_dict())
    official = swin_to_mmpretrain.convert(official_swin_layout(swin))
    assert plain.keys() == official.keys() and all(k.startswith('backbone.') for k in plain)
    for key in plain:
        torch.testing.assert_close(plain[key], official[key], rtol=0, atol=0)
    backbone = MODELS.build(dict(type='SwinTransformer', arch=dict(
        embed_dims=96, depths=(1, 1, 1, 1), num_heads=(3, 6, 12, 24))))
    backbone.load_state_dict({k[len('backbone.'):]: v for k, v in plain.items()}, strict=True)

    vit = timm_model('deit_tiny_patch16_224', depth=2, num_classes=0)
    converted = timm_vit_to_mmpretrain.convert(vit.state_dict())
    assert all(k.startswith('backbone.') for k in converted) and len(converted) == 4 + 2 * 12 + 2


def test_converters_refuse_other_architectures_in_one_line(tmp_path, capsys):
    deit = tmp_path / 'deit.pth'
    torch.save(timm_model('deit_tiny_patch16_224', depth=1).state_dict(), deit)
    swin = tmp_path / 'swin.pth'
    torch.save({'model': timm_model('swin_tiny_patch4_window7_224',
                                    depths=(1, 1, 1, 1)).state_dict()}, swin)
    distilled = tmp_path / 'distilled.pth'
    torch.save(timm_model('deit_tiny_distilled_patch16_224', depth=1).state_dict(), distilled)
    dst = tmp_path / 'out.pth'

    refusals = [
        (timm_vit_to_mmpretrain, swin, "SRC is a Swin Transformer checkpoint (it holds "
         "'layers.0.blocks.0.attn.relative_position_bias_table'), not ViT / DeiT: use "
         "tools/model_converters/swin_to_mmpretrain.py"),
        (timm_vit_to_mmpretrain, distilled, "SRC is a distilled DeiT checkpoint (it holds "
         "'dist_token'), not ViT / DeiT: the project's ViT configs use mmpretrain's undistilled "
         "VisionTransformer"),
        (swin_to_mmpretrain, deit, "SRC is a ViT / DeiT checkpoint (it holds "
         "'blocks.0.attn.qkv.weight'), not Swin Transformer: use "
         "tools/model_converters/timm_vit_to_mmpretrain.py"),
        # a DeiT once converted as LV-ViT (every DeiT key has an LV-ViT namesake)
        (lvvit_to_mmpretrain, deit, 'SRC is a ViT / DeiT checkpoint'),
        (iformer_to_mmpretrain, deit, 'SRC is a ViT / DeiT checkpoint'),
        (mmpretrain_to_timm, deit, 'SRC holds no mmpretrain VisionTransformer or '
         'SwinTransformer backbone'),
    ]
    for converter, src, message in refusals:
        assert converter.main([str(src), str(dst)]) == 2
        assert one_error_line(capsys).startswith('error: ' + message), converter.__name__
        assert not dst.exists()

    # our own checkpoint into an importer: named as already converted
    ours = tmp_path / 'ours.pth'
    assert timm_vit_to_mmpretrain.main([str(deit), str(ours)]) == 0
    capsys.readouterr()
    assert timm_vit_to_mmpretrain.main([str(ours), str(dst)]) == 2
    assert 'is already an mmengine / mmpretrain checkpoint' in one_error_line(capsys)
