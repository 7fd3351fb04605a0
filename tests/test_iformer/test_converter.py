"""tools/model_converters/iformer_to_mmpretrain.py on state dicts with the authors' key names.

The authors' keys and shapes are generated here from the layout of their model file
(``models/inception_transformer.py`` of sail-sg/iFormer: ``patch_embed`` with proj1/norm1/
proj2/norm2, ``patch_embed2-4`` with proj/norm, ``pos_embed1-4``, ``blocks1-4`` whose mixer is
``attn.high_mixer`` (conv1, proj1, proj2), ``attn.low_mixer.qkv``, ``attn.conv_fuse``,
``attn.proj``, timm's ``mlp.fc1/fc2``, ``layer_scale_1/2`` in stages 3-4, then ``norm`` and
``head``), written out independently of our model.
"""
import importlib.util
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401  (registers IFormer)

from ..conftest import ROOT

_spec = importlib.util.spec_from_file_location(
    'iformer_to_mmpretrain',
    osp.join(ROOT, 'tools', 'model_converters', 'iformer_to_mmpretrain.py'))
converter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(converter)
main = converter.main

ARCHS = {  # depths, dims, attention heads per block: the authors' iformer_small/base/large
    'small': ([3, 3, 9, 3], [96, 192, 320, 384], [1] * 3 + [3] * 3 + [7] * 4 + [9] * 5 + [11] * 3),
    'base': ([4, 6, 14, 6], [96, 192, 384, 512], [1] * 4 + [3] * 6 + [8] * 7 + [10] * 7 + [15] * 6),
    'large': ([4, 6, 18, 8], [96, 192, 448, 640],
              [1] * 4 + [3] * 6 + [10] * 9 + [12] * 9 + [19] * 8),
}


def bn(prefix, channels):
    return {f'{prefix}.weight': (channels, ), f'{prefix}.bias': (channels, ),
            f'{prefix}.running_mean': (channels, ), f'{prefix}.running_var': (channels, ),
            f'{prefix}.num_batches_tracked': ()}


def authors_shapes(arch, num_classes=1000, img_size=224):
    depths, dims, heads = ARCHS[arch]
    shapes = {'patch_embed.proj1.weight': (dims[0] // 2, 3, 3, 3),
              'patch_embed.proj1.bias': (dims[0] // 2, ),
              'patch_embed.proj2.weight': (dims[0], dims[0] // 2, 3, 3),
              'patch_embed.proj2.bias': (dims[0], )}
    shapes.update(bn('patch_embed.norm1', dims[0] // 2))
    shapes.update(bn('patch_embed.norm2', dims[0]))
    block = 0
    for s, (depth, dim) in enumerate(zip(depths, dims), start=1):
        side = img_size // 4 // 2**(s - 1)
        shapes[f'pos_embed{s}'] = (1, side, side, dim)
        if s > 1:
            shapes[f'patch_embed{s}.proj.weight'] = (dim, dims[s - 2], 3, 3)
            shapes[f'patch_embed{s}.proj.bias'] = (dim, )
            shapes.update(bn(f'patch_embed{s}.norm', dim))
        for j in range(depth):
            p = f'blocks{s}.{j}.'
            low = heads[block] * 32
            high = dim - low
            fused = 2 * high + low
            shapes.update({
                p + 'norm1.weight': (dim, ), p + 'norm1.bias': (dim, ),
                p + 'attn.high_mixer.conv1.weight': (high, high // 2, 1, 1),
                p + 'attn.high_mixer.proj1.weight': (high, 1, 3, 3),
                p + 'attn.high_mixer.proj2.weight': (high, high // 2, 1, 1),
                p + 'attn.high_mixer.proj2.bias': (high, ),
                p + 'attn.low_mixer.qkv.weight': (3 * low, low),
                p + 'attn.low_mixer.qkv.bias': (3 * low, ),
                p + 'attn.conv_fuse.weight': (fused, 1, 3, 3),
                p + 'attn.proj.weight': (dim, fused, 1, 1), p + 'attn.proj.bias': (dim, ),
                p + 'norm2.weight': (dim, ), p + 'norm2.bias': (dim, ),
                p + 'mlp.fc1.weight': (4 * dim, dim), p + 'mlp.fc1.bias': (4 * dim, ),
                p + 'mlp.fc2.weight': (dim, 4 * dim), p + 'mlp.fc2.bias': (dim, ),
            })
            if s >= 3:
                shapes[p + 'layer_scale_1'] = (dim, )
                shapes[p + 'layer_scale_2'] = (dim, )
            block += 1
    shapes.update({'norm.weight': (dims[-1], ), 'norm.bias': (dims[-1], ),
                   'head.weight': (num_classes, dims[-1]), 'head.bias': (num_classes, )})
    return shapes


def authors_state(arch, values=True):
    """Random tensors of the authors' shapes; ``values=False``: uninitialised bf16 (fast, for
    checking names and shapes only)."""
    gen = torch.Generator().manual_seed(0)

    def tensor(shape):
        if not shape:
            return torch.tensor(7)
        return torch.randn(shape, generator=gen) if values else torch.empty(
            shape, dtype=torch.bfloat16)

    return {k: tensor(shape) for k, shape in authors_shapes(arch).items()}


def classifier(arch):
    return MODELS.build(dict(
        type='ImageClassifier', backbone=dict(type='IFormer', arch=arch),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=ARCHS[arch][1][-1])))


def convert_file(state, wrapper, tmp_path):
    src, dst = tmp_path / 'authors.pth', tmp_path / 'ours.pth'
    torch.save(state if wrapper is None else {wrapper: state, 'epoch': 300}, src)
    assert main([str(src), str(dst)]) == 0
    return torch.load(dst, weights_only=True)['state_dict']


def test_small_checkpoint_converts_loads_strictly_and_keeps_every_value(tmp_path):
    state = authors_state('small')
    converted = convert_file(state, None, tmp_path)
    assert len(converted) == len(state)
    model = classifier('small')
    result = model.load_state_dict(converted, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    own = model.state_dict()
    # a few tensors followed to their new names, values untouched
    torch.testing.assert_close(own['backbone.stages.2.blocks.1.mixer.low_mixer.qkv.weight'],
                               state['blocks3.1.attn.low_mixer.qkv.weight'])
    torch.testing.assert_close(own['backbone.stages.3.downsample.bn.running_var'],
                               state['patch_embed4.norm.running_var'])
    torch.testing.assert_close(own['backbone.stages.0.blocks.0.mixer.high_mixer.conv_dw.weight'],
                               state['blocks1.0.attn.high_mixer.proj1.weight'])
    torch.testing.assert_close(own['backbone.stages.3.blocks.0.ls2.weight'],
                               state['blocks4.0.layer_scale_2'])
    torch.testing.assert_close(own['backbone.norm3.weight'], state['norm.weight'])
    torch.testing.assert_close(own['head.fc.weight'], state['head.weight'])


@pytest.mark.parametrize('arch,wrapper', [('small', 'model'), ('base', 'model'),
                                          ('large', 'state_dict')])
def test_every_arch_converts_and_loads_strictly(arch, wrapper, tmp_path):
    converted = convert_file(authors_state(arch, values=False), wrapper, tmp_path)
    with torch.device('meta'):
        model = classifier(arch)
    want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in converted.items()} == want
    result = model.load_state_dict(converted, strict=True, assign=True)
    assert not result.missing_keys and not result.unexpected_keys


def test_bad_sources_fail_with_one_line_and_nothing_is_overwritten(tmp_path, capsys):
    dst = tmp_path / 'ours.pth'
    assert main([str(tmp_path / 'missing.pth'), str(dst)]) == 2
    assert 'SRC not found' in capsys.readouterr().err
    src = tmp_path / 'other.pth'
    torch.save({'blocks1.0.attn.qkv.weight': torch.zeros(1), 'fc.weight': torch.zeros(1)}, src)
    assert main([str(src), str(dst)]) == 2
    assert "2 keys are not iFormer keys of the authors' release" in capsys.readouterr().err
    assert not dst.exists()
    dst.write_bytes(b'keep')
    torch.save(authors_state('small'), src)
    assert main([str(src), str(dst)]) == 2
    assert 'exists; refusing to overwrite' in capsys.readouterr().err
    assert dst.read_bytes() == b'keep'
    assert main([str(src), str(dst), '--overwrite']) == 0  # told to: replaced
    assert len(torch.load(dst, weights_only=True)['state_dict']) == len(authors_state('small'))


def test_an_already_converted_or_empty_source_is_named_as_such(tmp_path, capsys):
    """An mmengine checkpoint (HistoryBuffer in its message hub) or an mmpretrain state dict is
    not 'foreign keys' or torch's unpickling advice; a zero-byte file is an empty file."""
    from mmengine.logging import MessageHub
    dst = tmp_path / 'ours.pth'
    hub = MessageHub('converter_test')
    hub.update_scalar('train/loss', 1.0)
    runner_checkpoint = tmp_path / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict={'backbone.cls_token': torch.zeros(1)},
                    message_hub=hub.state_dict(), param_schedulers=[]), runner_checkpoint)
    assert main([str(runner_checkpoint), str(dst)]) == 2
    assert capsys.readouterr().err.strip() == (
        f'error: {runner_checkpoint} is already an mmengine / mmpretrain checkpoint (it holds '
        "the runner's message_hub, param_schedulers); it needs no conversion: pass it as "
        '`pretrained` or load it directly')
    bare = tmp_path / 'bare.pth'
    torch.save({'backbone.cls_token': torch.zeros(1), 'head.fc.weight': torch.zeros(1)}, bare)
    assert main([str(bare), str(dst)]) == 2
    assert 'already an mmengine / mmpretrain checkpoint (its keys are under backbone. / head.)' \
        in capsys.readouterr().err
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    assert main([str(empty), str(dst)]) == 2
    assert capsys.readouterr().err.strip() == (
        f'error: corrupted checkpoint {empty}: empty file (0 bytes; an interrupted copy or '
        'download?)')
    assert not dst.exists()
