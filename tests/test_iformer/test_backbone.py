"""The iFormer backbone: published sizes, any input size, dense outputs, freezing, checkpointing.

Architectures are written out here as literals from the paper (not read from the arch table).
"""
import pytest
import torch
from mmpretrain.registry import MODELS

from tlalign_mm.models.backbones import IFormer

# arch -> (published parameters with a 1000-class head, the authors' model-file count in M)
PUBLISHED = {'small': (20e6, 19.866), 'base': (48e6, 47.866), 'large': (87e6, 86.637)}
TINY = dict(depths=[1, 1, 2, 1], embed_dims=[64, 64, 96, 128], num_heads=[2, 2, 3, 4],
            attention_heads=[1, 1, 1, 2, 3])


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize('arch', PUBLISHED)
def test_parameter_count_matches_the_paper(arch):
    """Counted as the authors count: backbone with its final LayerNorm, the 224 px position
    embeddings and the 1000-class linear head."""
    with torch.device('meta'):
        classifier = MODELS.build(dict(
            type='ImageClassifier', backbone=dict(type='IFormer', arch=arch),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=1000,
                      in_channels=IFormer.arch_zoo[arch]['embed_dims'][-1])))
    count = sum(p.numel() for p in classifier.parameters())
    published, authors = PUBLISHED[arch]
    assert abs(count - published) / published < 0.01
    assert round(count / 1e6, 3) == authors


def test_frequency_ramp_and_layer_scale_follow_the_paper():
    small = IFormer('small')
    low = [[b.mixer.low_dims for b in stage.blocks] for stage in small.stages]
    assert low == [[32] * 3, [96] * 3, [224] * 4 + [288] * 5, [352] * 3]
    assert [[b.mixer.high_dims for b in s.blocks][0] for s in small.stages] == [64, 96, 96, 32]
    pools = [stage.blocks[0].mixer.low_mixer.pool_size for stage in small.stages]
    assert pools == [2, 2, 1, 1]
    scales = [hasattr(stage.blocks[0].ls1, 'weight') for stage in small.stages]
    assert scales == [False, False, True, True]
    torch.testing.assert_close(small.stages[2].blocks[0].ls1.weight, torch.full((320, ), 1e-6))
    with torch.device('meta'):
        large = IFormer('large')
    assert [b.mixer.low_mixer.num_heads for b in large.stages[2].blocks] == [10] * 9 + [12] * 9
    assert [s.pos_embed.shape[1:3] for s in large.stages] == [(56, 56), (28, 28), (14, 14), (7, 7)]


@pytest.mark.parametrize('arch,dims', [('small', [96, 192, 320, 384]),
                                       ('base', [96, 192, 384, 512]),
                                       ('large', [96, 192, 448, 640])])
def test_four_stage_feature_maps_of_a_512x640_input(arch, dims):
    """Shapes through the real forward code on meta tensors (values: the tests below)."""
    with torch.device('meta'):
        backbone = IFormer(arch, out_indices=(0, 1, 2, 3)).eval()
        outs = backbone(torch.empty(2, 3, 512, 640))
    grids = [(128, 160), (64, 80), (32, 40), (16, 20)]
    assert [tuple(o.shape) for o in outs] == [(2, c, *g) for c, g in zip(dims, grids)]


def test_odd_and_non_square_grids_run_and_embeddings_resize_at_forward():
    torch.manual_seed(0)
    backbone = IFormer(TINY, img_size=32, out_indices=(0, 1, 2, 3)).eval()
    with torch.no_grad():
        outs = backbone(torch.randn(2, 3, 44, 76))  # 11x19 -> 6x10 -> 3x5 -> 2x3
    assert [tuple(o.shape[2:]) for o in outs] == [(11, 19), (6, 10), (3, 5), (2, 3)]
    stage = backbone.stages[1]
    with torch.no_grad():
        stage.pos_embed.normal_()
    resized = stage.position_embedding((6, 10))
    want = torch.nn.functional.interpolate(stage.pos_embed.permute(0, 3, 1, 2), size=(6, 10),
                                           mode='bilinear', align_corners=False)
    torch.testing.assert_close(resized, want.permute(0, 2, 3, 1))
    assert stage.position_embedding((4, 4)) is stage.pos_embed  # its own grid: untouched


def test_checkpoint_position_embeddings_resize_on_load():
    source = IFormer(TINY, img_size=32)
    with torch.no_grad():
        for stage in source.stages:
            stage.pos_embed.normal_()
    target = IFormer(TINY, img_size=(64, 48))
    result = target.load_state_dict(source.state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert target.stages[0].pos_embed.shape == (1, 16, 12, 64)
    want = torch.nn.functional.interpolate(source.stages[0].pos_embed.permute(0, 3, 1, 2),
                                           size=(16, 12), mode='bilinear', align_corners=False)
    torch.testing.assert_close(target.stages[0].pos_embed, want.permute(0, 2, 3, 1))
    torch.testing.assert_close(target.stages[3].blocks[0].mlp.fc1.weight,
                               source.stages[3].blocks[0].mlp.fc1.weight)


def test_frozen_stages_like_swin():
    backbone = IFormer(TINY, img_size=32, out_indices=(0, 1, 2, 3), frozen_stages=1).train()
    frozen = {n for n, p in backbone.named_parameters() if not p.requires_grad}
    assert {n.split('.')[0] for n in frozen} == {'patch_embed', 'stages', 'norm0', 'norm1'}
    assert all(n.startswith(('patch_embed', 'stages.0', 'stages.1', 'norm0', 'norm1'))
               for n in frozen)
    assert not any(n.startswith(('stages.2', 'norm2')) for n in frozen)
    assert not backbone.patch_embed.training and not backbone.stages[1].training
    assert backbone.stages[2].training
    assert all(p.requires_grad for p in IFormer(TINY, frozen_stages=-1).parameters())


def test_activation_checkpointing_gives_the_same_values_and_gradients():
    torch.manual_seed(0)
    plain = IFormer(TINY, img_size=32, out_indices=(0, 3))
    checkpointed = IFormer(TINY, img_size=32, out_indices=(0, 3), with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 32, 32)
    grads = []
    for model in (plain, checkpointed):
        outs = model(x)
        sum(o.square().mean() for o in outs).backward()
        grads.append(model.stages[1].blocks[0].mixer.low_mixer.qkv.weight.grad.clone())
    assert all(b.with_cp for s in checkpointed.stages for b in s.blocks)
    torch.testing.assert_close(grads[0], grads[1])


def test_bad_arch_and_indices_fail_with_one_clear_error():
    with pytest.raises(ValueError, match="unknown iFormer arch 'tiny'"):
        IFormer('tiny')
    with pytest.raises(ValueError, match='attention_heads needs one value per block'):
        IFormer(dict(TINY, attention_heads=[1]))
    with pytest.raises(ValueError, match=r'out_indices \(4,\) out of range'):
        IFormer(TINY, out_indices=(4, ))
