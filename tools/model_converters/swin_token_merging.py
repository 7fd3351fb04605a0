"""The two facts of Swin that a key rename cannot carry between releases and mmpretrain.

**Patch merging channel order.** The official code (and timm) concatenates the four
neighbours of a 2×2 window as ``x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]``,
neighbour-major: channel ``k·C + c``. mmpretrain's ``PatchMerging`` unfolds with
``nn.Unfold(2, stride=2)``, channel-major with the window row-major: channel ``c·4 + 2·dy + dx``.
The merging norm and the reduction's input columns are permuted accordingly.

**The relative position index** is a buffer mmpretrain saves and timm does not; it depends only
on the window size, so it is rebuilt from the bias table's length.
"""
import torch

# official neighbour k = 0..3 is (dy, dx) = (0,0), (1,0), (0,1), (1,1); mmpretrain's window
# position p = 2·dy + dx takes neighbour NEIGHBOUR_AT[p]. The permutation is its own inverse.
NEIGHBOUR_AT = [0, 2, 1, 3]


def official_to_unfold_order(tensor: torch.Tensor) -> torch.Tensor:
    """A merging norm parameter (4C) or reduction weight (out, 4C), official -> mmpretrain."""
    channels = tensor.shape[-1] // 4
    grouped = tensor.reshape(*tensor.shape[:-1], 4, channels)[..., NEIGHBOUR_AT, :]
    return grouped.transpose(-1, -2).reshape(tensor.shape).contiguous()


def unfold_to_official_order(tensor: torch.Tensor) -> torch.Tensor:
    """The inverse of :func:`official_to_unfold_order`: mmpretrain -> official / timm."""
    channels = tensor.shape[-1] // 4
    grouped = tensor.reshape(*tensor.shape[:-1], channels, 4).transpose(-1, -2)
    return grouped[..., NEIGHBOUR_AT, :].reshape(tensor.shape).contiguous()


def relative_position_index(bias_table: torch.Tensor) -> torch.Tensor:
    """The (W², W²) index into a square window's bias table of ``(2W-1)²`` rows."""
    window = (round(bias_table.shape[0] ** 0.5) + 1) // 2
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window),
                                        indexing='ij')).flatten(1)
    offset = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
    return offset[..., 0] * (2 * window - 1) + offset[..., 1]
