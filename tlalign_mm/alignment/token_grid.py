"""Per-pixel shares pooled onto a backbone's first token grid, the way its stem sees pixels.

A stem is linear in pixels up to its first non-linearity, so a token whose receptive patch
straddles a CutMix box edge is the pixel-weighted mix of both images: its own-image share is the
fraction of its pixels that are own-image. Padded pixels belong to neither image and are left out
of the fraction. Each tracer picks the pooling that matches its stem:

- :func:`patch_embed_share`: one patch projection (mmcv/mmpretrain ``PatchEmbed``, ViT and
  Swin), through the module's own adaptive padding and the conv's kernel/stride/padding;
- :func:`footprint_share`: a stack of convolutions (LV-ViT's conv stem, iFormer's stride-4 stem)
  summarised by its overall stride: each token stands for its stride × stride pixel cell.
"""
import torch
import torch.nn.functional as F
from torch.nn.modules.utils import _pair


def pooled_share(pixel_map, grid_hw, kernel_size, stride, padding=0, pad=None, ceil_mode=False):
    """(B, Hp*Wp) mean of ``pixel_map`` over each token's pixels, row-major.

    Args:
        pixel_map (Tensor): (B, H, W) per-pixel share in [0, 1].
        grid_hw (tuple[int, int]): the token grid the backbone computed; the pooled grid must
            equal it (a mismatch means the pooling does not describe this stem).
        kernel_size, stride, padding: the stem's footprint, as for ``F.avg_pool2d``.
        pad (callable, optional): the stem's own input padding (e.g. ``AdaptivePadding``).
        ceil_mode (bool): count a partial cell at the bottom/right edge as a token.
    """
    share = pixel_map.float()  # (B, H, W): pooled as B channels of one image
    padded = pad(share) if pad is not None else share
    pool = dict(kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode)
    own = F.avg_pool2d(padded, **pool)
    if padded is share and _whole_cells(share.shape[-2:], kernel_size, stride, padding):
        # Every token sees only real pixels, a full cell of them: the valid-pixel fraction is
        # 1 everywhere (exactly), so the division by it is skipped (four ops per step).
        frac = own
    else:
        valid = torch.ones_like(share[:1])
        if pad is not None:
            valid = pad(valid)
        count = F.avg_pool2d(valid, **pool)
        frac = own / count.clamp_min(1e-12)
    if tuple(frac.shape[-2:]) != tuple(grid_hw):
        raise RuntimeError(f'pooled pixel grid {tuple(frac.shape[-2:])} does not match the '
                           f'backbone token grid {tuple(grid_hw)}')
    return frac.flatten(1)


def _whole_cells(size_hw, kernel_size, stride, padding):
    """Whether non-overlapping cells tile ``size_hw`` exactly, with no padding."""
    kernel_size, stride, padding = (_pair(v) for v in (kernel_size, stride, padding))
    return (kernel_size == stride and padding == (0, 0)
            and all(int(n) % s == 0 for n, s in zip(size_hw, stride)))


def patch_embed_share(patch_embed, pixel_map, grid_hw):
    """Pooling through one patch projection (``patch_embed.projection``) and its padding."""
    proj = patch_embed.projection
    return pooled_share(pixel_map, grid_hw, proj.kernel_size, proj.stride, proj.padding,
                        pad=getattr(patch_embed, 'adaptive_padding', None))


def footprint_share(pixel_map, grid_hw, stride):
    """Pooling over stride × stride cells (a conv stack of overall ``stride``); a partial cell
    at the image edge counts its real pixels only."""
    return pooled_share(pixel_map, grid_hw, stride, stride, ceil_mode=True)
