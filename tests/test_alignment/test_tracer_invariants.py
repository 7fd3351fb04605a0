"""What every tracer must satisfy, checked on ViT and Swin alike: Mixup is a no-op, the exact
scalar form equals the K-dim path and the naive reference, and labels must fit the backbone's
own grid."""
import pytest
import torch
import torch.nn.functional as F

from tlalign_mm.alignment import align_labels
from tlalign_mm.augments import AlignedCutMix, AlignedMixup, AlignedTokenCutMix

from .naive_reference import reference_vit_labels
from .test_swin_alignment import TWO_STAGE, make_swin, reference_swin_labels
from .test_vit_alignment import make_vit
from .tracing import traced_image_labels


def vit_case():
    # 32 px, 4 px patches: an 8x8 grid; sdpa keeps the label kernel other tests do not pick.
    return dict(model=make_vit(), size=32, patch=4, kernel='sdpa', grid='8x8',
                reference=lambda m, x, patches, cls: reference_vit_labels(m, x, patches, cls))


def swin_case():
    # 68 px, 4 px patches: 17x17 tokens, so windows are padded and the merge is odd.
    return dict(model=make_swin(TWO_STAGE, 4), size=68, patch=4, kernel='auto', grid='17x17',
                reference=lambda m, x, patches, cls: reference_swin_labels(m, x, patches))


CASES = dict(vit=vit_case, swin=swin_case)
AUGMENTS = dict(
    pixel=lambda patch: AlignedCutMix(alpha=1.0),          # fractional own-share on edge patches
    token=lambda patch: AlignedTokenCutMix(alpha=1.0, patch_size=patch),
    coarse=lambda patch: AlignedTokenCutMix(alpha=1.0, patch_size=8 * patch),  # big cells
)


@pytest.mark.parametrize('augment', sorted(AUGMENTS))
@pytest.mark.parametrize('backbone', sorted(CASES))
def test_scalar_path_equals_kdim_path_and_reference(backbone, augment):
    torch.manual_seed(3)
    case = CASES[backbone]()
    model = case['model']
    images = torch.randn(6, 3, case['size'], case['size'])
    scores = F.one_hot(torch.tensor([0, 1, 2, 3, 4, 0]), 10).float()
    mixed, _, record = AUGMENTS[augment](case['patch']).mix(images.clone(), scores.float())
    scalar, scalar_share = traced_image_labels(model, mixed, record, 'scalar', case['kernel'])
    kdim, kdim_share = traced_image_labels(model, mixed, record, 'kdim', case['kernel'])
    torch.testing.assert_close(scalar, kdim, atol=1e-5, rtol=0)
    # The K-dim path carries the share as its last channel: the same share for every sample,
    # also those mixed with a partner of the same class (samples 0 and 5 are both class 0).
    torch.testing.assert_close(scalar_share, kdim_share, atol=1e-5, rtol=0)
    # Both equal the naive reference fed with the same two-source token labels.
    share = F.avg_pool2d(record.own_mask[:, None], case['patch']).flatten(1)[..., None]
    patch_labels = share * record.own_score[:, None] + (1 - share) * record.partner_score[:, None]
    expected = case['reference'](model, mixed, patch_labels, record.mixed_score())
    torch.testing.assert_close(scalar, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize('augment', ['pixel', 'token'])  # a coarse 32 px cell mixes all or none
@pytest.mark.parametrize('backbone', sorted(CASES))
def test_kdim_share_is_defined_when_both_images_share_a_class(backbone, augment):
    """The two sources' labels are equal: no projection could recover the share; the K-dim
    path's share channel still equals the scalar path's share."""
    torch.manual_seed(3)
    case = CASES[backbone]()
    images = torch.randn(6, 3, case['size'], case['size'])  # the draws of the test above
    scores = F.one_hot(torch.full((6, ), 2), 10).float()
    mixed, _, record = AUGMENTS[augment](case['patch']).mix(images.clone(), scores.float())
    _, scalar_share = traced_image_labels(case['model'], mixed, record, 'scalar', case['kernel'])
    kdim, kdim_share = traced_image_labels(case['model'], mixed, record, 'kdim', case['kernel'])
    assert not torch.allclose(scalar_share, record.lam, atol=1e-3), 'alignment must move it'
    torch.testing.assert_close(kdim_share, scalar_share, atol=1e-5, rtol=0)
    torch.testing.assert_close(kdim, scores, atol=1e-5, rtol=0)


@pytest.mark.parametrize('backbone', sorted(CASES))
def test_mixup_alignment_is_a_no_op(backbone):
    torch.manual_seed(1)
    case = CASES[backbone]()
    images = torch.randn(4, 3, case['size'], case['size'])
    scores = F.one_hot(torch.tensor([1, 2, 3, 4]), 10).float()
    mixed, area_label, record = AlignedMixup(alpha=0.8).mix(images.clone(), scores.float())
    for mode in ('scalar', 'kdim'):
        aligned, share = traced_image_labels(case['model'], mixed, record, mode, case['kernel'])
        torch.testing.assert_close(aligned, area_label, atol=1e-6, rtol=0)
        torch.testing.assert_close(share, record.lam, atol=1e-6, rtol=0)


@pytest.mark.parametrize('backbone', sorted(CASES))
def test_patch_labels_must_match_the_backbone_grid(backbone):
    case = CASES[backbone]()
    with pytest.raises(ValueError, match=f"{case['grid']} patch grid"):
        align_labels(case['model'], torch.randn(1, 3, case['size'], case['size']),
                     torch.rand(1, 7, 3))
