"""The label arithmetic shared by every backbone tracer (spec: TL-ALIGN.md, "Propagation").

Labels are (B, N, D): D = 1 for the exact two-source scalar form (the own-image share a of each
token), D = K for general soft labels. Attention rows are stochastic, so both give the same
aligned label whenever every token label is a mix of the same two sources.
"""
import torch
import torch.nn.functional as F


def residual_propagate(labels, attention):
    """``y ← ½ (Ā y + y)``: attention mixes labels as it mixes tokens, the residual keeps half.

    Args:
        labels: (B, N, D) float32 token labels.
        attention: (B, N, N) head-averaged post-softmax attention (rows sum to 1).
    """
    return torch.baddbmm(labels, attention.to(labels.dtype), labels, beta=0.5, alpha=0.5)


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


def own_fraction_on_grid(own_mask, patch_embed, grid_hw):
    """Per-patch own-image fraction: the pixel mask pooled exactly as the patch embedding sees it.

    The patch projection is linear in pixels, so a patch that straddles the CutMix box edge is the
    pixel-weighted mix of both images. The mask goes through the module's own adaptive padding and
    the projection's kernel/stride/padding; padded pixels belong to neither image and are left
    out of the fraction. Returns (B, Hp*Wp), row-major like the tokens.
    """
    proj = patch_embed.projection
    mask = own_mask[:, None].float()
    valid = torch.ones_like(mask)
    pad = getattr(patch_embed, 'adaptive_padding', None)
    if pad is not None:
        mask, valid = pad(mask), pad(valid)
    pool = dict(kernel_size=proj.kernel_size, stride=proj.stride, padding=proj.padding)
    own = F.avg_pool2d(mask, **pool)
    count = F.avg_pool2d(valid, **pool)
    frac = own / count.clamp_min(1e-12)
    if tuple(frac.shape[-2:]) != tuple(grid_hw):
        raise RuntimeError(f'pooled mask grid {tuple(frac.shape[-2:])} does not match the '
                           f'backbone patch grid {tuple(grid_hw)}')
    return frac.flatten(1)
