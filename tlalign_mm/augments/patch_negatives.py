"""Patch-based negative views (PNA): images a person cannot recognise but a ViT often still does.

Each view cuts a batch into P x P patches on a regular grid and destroys the global structure
while keeping every local patch statistic:

- :class:`PatchShuffle` permutes the patches of each image;
- :class:`PatchRotate` rotates every patch on its own by 0, 90, 180 or 270 degrees;
- :class:`PatchInfill` overwrites a central block of patches with patches copied from the border.

A model trained with a negative loss (:mod:`tlalign_mm.models.losses.negative_losses`) learns
not to be confident on them. The views are batched tensor ops on the input's device (an
indexing copy or ``gather`` each, no Python loop over samples or patches), so they cost a small
fraction of a training step. They work on any number of channels, which lets a caller move a
per-pixel map (e.g. the CutMix own-image mask) together with the image under the same draw.
"""
import math

import torch
from mmpretrain.registry import MODELS
from ..errors import TLAlignError


class NegativeViewConfigError(TLAlignError, ValueError):
    """A negative view cannot be built for this patch size, backbone or image size."""


def backbone_patch_size(backbone):
    """(h, w) pixel stride of the first token grid of an mmpretrain ViT/Swin-style backbone."""
    projection = getattr(getattr(backbone, 'patch_embed', None), 'projection', None)
    if projection is None:
        raise NegativeViewConfigError(
            f'{type(backbone).__name__} has no patch_embed.projection, so the patch size of '
            'its token grid is unknown; negative views need a patch-embedding backbone')
    stride = projection.stride
    return (stride, stride) if isinstance(stride, int) else tuple(stride)


def patch_grid(images, patch_size):
    """(B, C, rows, P, cols, P) view of a batch (no copy) and its (rows, cols) patch grid."""
    batch, channels, height, width = images.shape
    if height % patch_size or width % patch_size:
        raise NegativeViewConfigError(
            f'image size {height}x{width} is not a multiple of the negative-view patch size '
            f'{patch_size}; pick a patch size that divides the input size')
    rows, cols = height // patch_size, width // patch_size
    return images.reshape(batch, channels, rows, patch_size, cols, patch_size), (rows, cols)


def to_patches(images, patch_size):
    """(B, C, H, W) -> (B, N, C, P, P), N = (H/P)(W/P) patches in row-major grid order."""
    grid_view, grid = patch_grid(images, patch_size)
    patches = grid_view.permute(0, 2, 4, 1, 3, 5)
    return patches.reshape(images.size(0), -1, *patches.shape[3:]), grid


def pick_patches(grid_view, sources, cols):
    """(B, M, C, P, P) patches ``sources`` (B, M) (row-major ids) of a :func:`patch_grid` view.

    One advanced-indexing copy straight from the image layout (no intermediate patch tensor).
    """
    batch = torch.arange(grid_view.size(0), device=sources.device)[:, None]
    return grid_view[batch, :, sources // cols, :, sources % cols, :]


def from_patches(patches, grid):
    """Inverse of :func:`to_patches`."""
    batch, _, channels, patch_size, _ = patches.shape
    rows, cols = grid
    images = patches.reshape(batch, rows, cols, channels, patch_size, patch_size)
    images = images.permute(0, 3, 1, 4, 2, 5)
    return images.reshape(batch, channels, rows * patch_size, cols * patch_size)


class PatchNegativeView:
    """Base class: a random patch-level transform of a (B, C, H, W) batch.

    Args:
        patch_size (int): side P of the square patches the view moves, in pixels. Must be a
            multiple of the backbone's patch size (checked by :meth:`check_backbone`), so a view
            patch is a whole number of tokens and the view destroys structure *between*
            tokens, as the method intends, not inside them. Defaults to 16.
    """

    def __init__(self, patch_size=16):
        if not isinstance(patch_size, int) or patch_size < 1:
            raise NegativeViewConfigError(
                f'patch_size must be a positive int, got {patch_size!r}')
        self.patch_size = patch_size

    def check_backbone(self, backbone):
        """Raise unless ``patch_size`` is a whole multiple of the backbone's token patch."""
        token_h, token_w = backbone_patch_size(backbone)
        if self.patch_size % token_h or self.patch_size % token_w:
            raise NegativeViewConfigError(
                f'{type(self).__name__} patch_size={self.patch_size} is not a multiple of the '
                f'backbone patch size {token_h}x{token_w}; use a multiple such as '
                f'{token_h * max(1, self.patch_size // token_h)}')

    def __call__(self, images):
        """Return the negative view of ``images`` (a new tensor, same shape and dtype)."""
        raise NotImplementedError

    def __repr__(self):
        return f'{type(self).__name__}(patch_size={self.patch_size})'


@MODELS.register_module()
class PatchShuffle(PatchNegativeView):
    """P-Shuffle: an independent random permutation of the patch grid for every image."""

    def __call__(self, images):
        patches, grid = to_patches(images, self.patch_size)
        batch, num = patches.shape[:2]
        if num < 2:  # one patch: every permutation returns the image itself
            raise NegativeViewConfigError(
                f'PatchShuffle needs at least 2 patches to shuffle, the grid of '
                f'{tuple(images.shape[-2:])} images in {self.patch_size} px patches is '
                f'{grid[0]}x{grid[1]}: the negative view would equal its input; use a smaller '
                'patch_size')
        order = torch.rand(batch, num, device=images.device).argsort(dim=1)
        # Whole-patch row copies of a contiguous (B*N, C*P*P) matrix: the fastest gather here.
        rows = (order + torch.arange(batch, device=images.device)[:, None] * num).flatten()
        return from_patches(patches.reshape(batch * num, -1)[rows].view(patches.shape), grid)


def rotation_tables(patch_size, device):
    """(4, P*P) source pixel of every target pixel for a k*90 degree rotation (torch.rot90)."""
    grid = torch.arange(patch_size * patch_size, device=device).reshape(patch_size, patch_size)
    return torch.stack([torch.rot90(grid, k, dims=(0, 1)).flatten() for k in range(4)])


@MODELS.register_module()
class PatchRotate(PatchNegativeView):
    """P-Rotate: every patch rotated on its own by a uniform draw from {0, 90, 180, 270} degrees.

    0 degrees is one of the draws, so about a quarter of the patches stay as they were (as in
    the method's definition). All rotations are one pixel ``gather`` through a precomputed
    table, not four rotated copies of the batch.
    """

    def __init__(self, patch_size=16):
        super().__init__(patch_size)
        self._tables = {}

    def __call__(self, images):
        patches, grid = to_patches(images, self.patch_size)
        batch, num, channels, size, _ = patches.shape
        device = patches.device
        if device not in self._tables:
            self._tables[device] = rotation_tables(size, device)
        turns = torch.randint(0, 4, (batch, num), device=device)
        source = self._tables[device][turns]  # (B, N, P*P)
        flat = patches.reshape(batch, num, channels, size * size)
        rotated = flat.gather(3, source[:, :, None, :].expand(-1, -1, channels, -1))
        return from_patches(rotated.reshape(patches.shape), grid)


def central_block(grid, fraction):
    """Row-major indices of the centred block of about ``fraction`` of the grid, and the rest.

    The block keeps the grid's aspect ratio; at least one patch is inside and one outside it.
    """
    rows, cols = grid
    if rows * cols < 2:
        raise NegativeViewConfigError(
            'P-Infill needs at least 2 patches to copy from the border, the grid is '
            f'{rows}x{cols}; use a smaller patch_size')
    side = math.sqrt(fraction)
    block_h = min(rows, max(1, round(rows * side)))
    block_w = min(cols, max(1, round(cols * side)))
    if block_h == rows and block_w == cols:  # leave a border to copy from
        if cols > 1:
            block_w -= 1
        else:
            block_h -= 1
    top, left = (rows - block_h) // 2, (cols - block_w) // 2
    inside = torch.zeros(rows, cols, dtype=torch.bool)
    inside[top:top + block_h, left:left + block_w] = True
    flat = inside.flatten()
    return flat.nonzero().flatten(), (~flat).nonzero().flatten()


@MODELS.register_module()
class PatchInfill(PatchNegativeView):
    """P-Infill: the central block of patches replaced by patches drawn from the border.

    Args:
        patch_size (int): see :class:`PatchNegativeView`. Defaults to 16.
        fraction (float): share of the patches in the central block, in (0, 1); the method
            uses 0.25 or 0.375. The block is the centred rectangle closest to that share with
            the grid's aspect ratio. Each central patch is an independent uniform draw (with
            replacement) from the patches outside the block. Defaults to 0.25.
    """

    def __init__(self, patch_size=16, fraction=0.25):
        super().__init__(patch_size)
        if not 0 < fraction < 1:
            raise NegativeViewConfigError(f'fraction must be in (0, 1), got {fraction!r}')
        self.fraction = fraction
        self._blocks = {}

    def __call__(self, images):
        grid_view, grid = patch_grid(images, self.patch_size)
        batch, device = images.size(0), images.device
        key = (grid, device)
        if key not in self._blocks:
            inside, border = central_block(grid, self.fraction)
            self._blocks[key] = inside.to(device), border.to(device)
        inside, border = self._blocks[key]
        draw = torch.randint(0, border.numel(), (batch, inside.numel()), device=device)
        out = images.clone()
        # Only the central block is written: the border stays the clone's untouched pixels.
        rows, cols = (inside // grid[1])[None], (inside % grid[1])[None]
        out_view = patch_grid(out, self.patch_size)[0]
        batch_index = torch.arange(batch, device=device)[:, None]
        out_view[batch_index, :, rows, :, cols, :] = pick_patches(grid_view, border[draw],
                                                                  grid[1])
        return out

    def __repr__(self):
        return f'{type(self).__name__}(patch_size={self.patch_size}, fraction={self.fraction})'
