"""The label arithmetic shared by every backbone tracer (docs/tl_align.md, "Propagation").

Labels are (B, N, D): D = 1 for the exact two-source scalar form (the own-image share a of each
token), D = K for general soft labels. Attention rows are stochastic, so both give the same
aligned label whenever every token label is a mix of the same two sources.

The propagation rule lives here and only here: :func:`residual_update` is ``y ← ½(Ā·y + y)``
given ``Ā·y``; every tracer and kernel calls it (or :func:`residual_propagate`, given ``Ā``, or
:func:`residual_update_`, given every head's ``Ā_h·y``).
"""
import torch
import torch.nn.functional as F


# Weight of the attention-moved label against the residual's: the residual branch of a block
# carries the token on unchanged, the attention branch carries the mix, with equal weight.
ATTENTION_WEIGHT = 0.5


def residual_update(labels, moved):
    """``y ← ½ (Ā y + y)``, given ``moved = Ā y``: attention mixes labels as it mixes tokens,
    the residual keeps half.

    Args:
        labels: (B, N, D) float32 token labels.
        moved: (B, N, D) the labels moved by the block's head-averaged attention.
    """
    return torch.lerp(labels, moved.to(labels.dtype), ATTENTION_WEIGHT)


def residual_update_(labels, moved_rows, head_average):
    """:func:`residual_update` in place, with the head average folded in: one ``baddbmm_``.

    Args:
        labels: (B, N, D) float32 token labels; updated in place.
        moved_rows: (B, N, H·D) the labels moved by each head's attention, head-major per token.
        head_average: (B, H·D, D) ``1 / H`` where the row's channel equals the column, else 0
            (H stacked identities over H): row n of ``moved_rows @ head_average`` is the mean
            over heads of the moved label of token n.
    """
    return labels.baddbmm_(moved_rows, head_average, beta=1 - ATTENTION_WEIGHT,
                           alpha=ATTENTION_WEIGHT)


def residual_propagate(labels, attention):
    """:func:`residual_update` with ``Ā`` given: (B, N, N) head-averaged post-softmax
    attention (rows sum to 1)."""
    return residual_update(labels, torch.bmm(attention.to(labels.dtype), labels))


def attention_propagated_labels(q, k, labels, scale):
    """``Ā y`` through fused attention, with the labels as the value (one kernel per layer).

    softmax_h(q kᵀ)·y averaged over heads is exactly Ā·y. The value width is padded to a
    multiple of 8 so the memory-efficient GPU kernels accept it; fp32 keeps labels exact.
    """
    with torch.no_grad(), torch.autocast(q.device.type, enabled=False):
        width = labels.size(-1)
        value = F.pad(labels, (0, -width % 8))[:, None].expand(-1, q.size(1), -1, -1)
        out = F.scaled_dot_product_attention(q.float(), k.float(), value, scale=scale)
        return out[..., :width].mean(dim=1)


def head_averaged_attention(q, k, scale):
    """(B, N, N) mean over heads of softmax(q kᵀ · scale), computed without gradient."""
    with torch.no_grad(), torch.autocast(q.device.type, enabled=False):
        scores = torch.matmul(q.float() * scale, k.float().transpose(-2, -1))
        return scores.softmax(dim=-1).mean(dim=1)
