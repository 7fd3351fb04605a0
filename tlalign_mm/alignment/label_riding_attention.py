"""CPU flash attention whose forward also carries the token labels as extra value channels.

``Ā·y`` averaged over heads is ``mean_h softmax(q_h k_hᵀ)·y``: exactly what flash attention
returns for a value column equal to ``y``. The CPU flash kernel needs one head size for q, k and
v, so the forward runs on zero-padded q and k (zeros change no score) and on ``[v, y]``; the
labels come out of the same pass over the attention that produces the features, with no second
QKᵀ. The backward is the stock kernel's on the unpadded tensors: the logsumexp does not depend
on v, and the label channels carry no gradient. Features and gradients equal
``F.scaled_dot_product_attention``'s up to float rounding (the padded heads sum in another
order).

Its cost against the other kernels is in ``docs/tl_align.md`` ("Overhead").
"""
import torch
import torch.nn.functional as F

_FLASH_CPU = getattr(torch.ops.aten, '_scaled_dot_product_flash_attention_for_cpu', None)
_FLASH_CPU_BACKWARD = getattr(torch.ops.aten,
                              '_scaled_dot_product_flash_attention_for_cpu_backward', None)


# Widest label worth riding: every label channel widens q, k and v of every head, so 1000-class
# K-dim labels are cheaper recomputed beside the stock kernel.
RIDING_MAX_LABEL_WIDTH = 16


def label_riding_exact(q, labels, dropout_p=0.0):
    """Whether the riding kernel gives exact labels here: fp32 CPU tensors and no attention
    dropout (labels use the attention before dropout)."""
    return (_FLASH_CPU is not None and _FLASH_CPU_BACKWARD is not None
            and q.device.type == 'cpu' and q.dtype == torch.float32
            and labels.dtype == torch.float32 and dropout_p == 0)


class LabelRidingAttention(torch.autograd.Function):
    """``(softmax(q kᵀ·scale) v, mean_h softmax(q kᵀ·scale) y)``; the second is detached."""

    @staticmethod
    def forward(ctx, q, k, v, labels, scale):
        width = labels.size(-1)
        with torch.no_grad():
            padded_v = torch.cat([v, labels[:, None].expand(-1, v.size(1), -1, -1)], dim=-1)
            out, logsumexp = _FLASH_CPU(
                F.pad(q, (0, width)), F.pad(k, (0, width)), padded_v, 0.0, False, scale=scale)
        head_dim = v.size(-1)
        # Features in the stock kernel's memory layout (B, N, H, d), so the block's
        # ``transpose(1, 2).reshape`` stays a view and the projection saves this very tensor
        # for backward: the padded output is freed here, and memory is that of the stock path.
        features = out.new_empty(out.size(0), out.size(2), out.size(1), head_dim).transpose(1, 2)
        features.copy_(out[..., :head_dim])
        moved = out[..., head_dim:].mean(dim=1)
        ctx.save_for_backward(q, k, v, features, logsumexp)
        ctx.scale = scale
        ctx.mark_non_differentiable(moved)
        return features, moved

    @staticmethod
    def backward(ctx, grad_features, _grad_moved):
        q, k, v, features, logsumexp = ctx.saved_tensors
        grad_q, grad_k, grad_v = _FLASH_CPU_BACKWARD(
            grad_features, q, k, v, features, logsumexp, 0.0, False, scale=ctx.scale)
        return grad_q, grad_k, grad_v, None, None


def label_riding_attention(q, k, v, labels, scale):
    """(attention output with grad, detached (B, N, D) head-averaged ``Ā·labels``).

    ``q, k, v``: (B, H, N, d) fp32 CPU; ``labels``: (B, N, D) fp32.
    """
    return LabelRidingAttention.apply(q, k, v, labels, scale)
