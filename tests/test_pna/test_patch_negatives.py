"""The three negative views against per-patch definitions checked patch by patch."""
import pytest
import torch

from tlalign_mm.augments.patch_negatives import (NegativeViewConfigError, PatchInfill,
                                                 PatchRotate, PatchShuffle)
from tlalign_mm.models.data_preprocessors.negative_view_preprocessor import negative_record


def patch_at(images, b, row, col, size):
    return images[b, :, row * size:(row + 1) * size, col * size:(col + 1) * size]


def grid_patches(images, b, size):
    rows, cols = images.size(2) // size, images.size(3) // size
    return [patch_at(images, b, r, c, size) for r in range(rows) for c in range(cols)]


@pytest.fixture
def images():
    torch.manual_seed(0)
    return torch.randn(3, 2, 12, 16)  # 3x4 grid of 4 px patches: every patch is unique


def test_shuffle_keeps_the_multiset_of_patches(images):
    torch.manual_seed(1)
    out = PatchShuffle(patch_size=4)(images)
    moved = 0
    for b in range(images.size(0)):
        before, after = grid_patches(images, b, 4), grid_patches(out, b, 4)
        # Each output patch equals exactly one input patch, each input patch is used once.
        match = [[i for i, p in enumerate(before) if torch.equal(p, q)] for q in after]
        assert all(len(m) == 1 for m in match)
        assert sorted(m[0] for m in match) == list(range(len(before)))
        moved += sum(m[0] != j for j, m in enumerate(match))
    assert moved > 0
    # Images are permuted independently, not with one shared permutation.
    first = [[torch.equal(q, p) for p in grid_patches(images, 0, 4)].index(True)
             for q in grid_patches(out, 0, 4)]
    second = [[torch.equal(q, p) for p in grid_patches(images, 1, 4)].index(True)
              for q in grid_patches(out, 1, 4)]
    assert first != second


def test_every_rotated_patch_is_a_rotation_of_the_patch_in_place(images):
    torch.manual_seed(2)
    view = PatchRotate(patch_size=4)
    big = images.repeat(4, 1, 1, 1)  # 144 patches: all four angles occur
    out = view(big)
    seen = set()
    for b in range(big.size(0)):
        for before, after in zip(grid_patches(big, b, 4), grid_patches(out, b, 4)):
            turns = [k for k in range(4) if torch.equal(torch.rot90(before, k, (1, 2)), after)]
            assert len(turns) == 1
            seen.add(turns[0])
    assert seen == {0, 1, 2, 3}


def test_infill_copies_border_patches_into_the_centre_only():
    torch.manual_seed(3)
    inputs = torch.randn(2, 3, 16, 16)
    out = PatchInfill(patch_size=4, fraction=0.25)(inputs)
    centre = {(1, 1), (1, 2), (2, 1), (2, 2)}  # a 4x4 grid at 25%: the middle 2x2 block
    for b in range(2):
        border = [patch_at(inputs, b, r, c, 4) for r in range(4) for c in range(4)
                  if (r, c) not in centre]
        for r in range(4):
            for c in range(4):
                got = patch_at(out, b, r, c, 4)
                if (r, c) in centre:
                    assert any(torch.equal(got, p) for p in border)
                else:
                    assert torch.equal(got, patch_at(inputs, b, r, c, 4))


def test_infill_block_of_a_vit_grid():
    # 224 px with 16 px patches: 14x14 grid, 25% -> the centred 7x7 block (rows/cols 3..9).
    inputs = torch.arange(196.).reshape(1, 1, 14, 14).repeat_interleave(16, 2)
    inputs = inputs.repeat_interleave(16, 3)
    out = PatchInfill(patch_size=16, fraction=0.25)(inputs)
    changed = (out != inputs).flatten(2).any(1).reshape(224, 224)
    tokens = changed.reshape(14, 16, 14, 16).any(3).any(1)
    assert not tokens[:3].any() and not tokens[10:].any()
    assert not tokens[:, :3].any() and not tokens[:, 10:].any()
    assert tokens[3:10, 3:10].float().mean() > 0.9  # ~1/152 draws may copy an equal patch


def test_mask_channel_moves_with_the_pixels():
    torch.manual_seed(4)
    images = torch.randn(4, 3, 8, 8)
    from tlalign_mm.augments import MixRecord
    own = torch.rand(4, 8, 8)
    images[:, 0] = own  # channel 0 carries the mask, so both must end up identical
    record = MixRecord.from_mix(torch.tensor([1, 0, 3, 2]), 0.7, own, torch.eye(4))
    negatives, both = negative_record(record, PatchShuffle(patch_size=4), images)
    assert negatives.shape == images.shape
    assert both.lam.shape == (8, ) and both.own_mask.shape == (8, 8, 8)
    assert torch.equal(both.own_mask[4:], negatives[:, 0])
    assert torch.equal(both.own_mask[:4], own)
    assert torch.equal(both.own_score[4:], both.own_score[:4])


def test_patch_size_must_be_a_multiple_of_the_backbone_patch():
    from mmpretrain.models.backbones import VisionTransformer
    backbone = VisionTransformer(arch=dict(embed_dims=8, num_layers=1, num_heads=2,
                                           feedforward_channels=8), img_size=32, patch_size=8)
    PatchRotate(patch_size=16).check_backbone(backbone)
    with pytest.raises(NegativeViewConfigError, match='not a multiple of the backbone patch'):
        PatchRotate(patch_size=12).check_backbone(backbone)
    with pytest.raises(NegativeViewConfigError, match='not a multiple of the negative-view'):
        PatchShuffle(patch_size=8)(torch.zeros(1, 3, 20, 16))


def test_shuffle_of_a_one_patch_grid_is_refused(images):
    """One patch per image: every permutation returns the input, a 'negative' equal to it."""
    square = images[..., :12, :12]
    with pytest.raises(NegativeViewConfigError, match=r'PatchShuffle needs at least 2 patches '
                       r'to shuffle, the grid of \(12, 12\) images in 12 px patches is 1x1: the '
                       'negative view would equal its input'):
        PatchShuffle(patch_size=12)(square)
