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
    """``softmax(q kᵀ·scale) v`` with grad; writes ``softmax_h(q kᵀ·scale) y`` of every head into
    ``moved`` (detached).

    ``heads``: the (B, N, D) labels repeated over the heads, (B, H, N, D) (a stride-0 view), so
    they are one ``cat`` away from the padded value. ``moved``: a (B, H, N, D) buffer of any
    layout; the kernel's output is split into the features and ``moved`` by one copy. Beside the
    stock kernel it dispatches five aten ops: two pads, the cat, the features' buffer and the
    split copy.
    """

    @staticmethod
    def forward(ctx, q, k, v, heads, moved, scale):
        width = heads.size(-1)
        with torch.no_grad():
            out, logsumexp = _FLASH_CPU(F.pad(q, (0, width)), F.pad(k, (0, width)),
                                        torch.cat([v, heads], dim=-1), 0.0, False, scale=scale)
            # Features in the stock kernel's memory layout (B, N, H, d), so the block's
            # ``transpose(1, 2).reshape`` stays a view and the projection saves this very tensor
            # for backward: the padded output is freed here, and memory is that of the stock
            # path.
            batch, num_heads, tokens, head_dim = v.shape
            features = v.new_empty_strided(
                v.shape, (tokens * num_heads * head_dim, head_dim, num_heads * head_dim, 1))
            if torch.compiler.is_compiling():
                # Dynamo cannot trace ``out=`` lists of strided tensors; the compiler fuses
                # these copies anyway.
                features.copy_(out[..., :head_dim])
                moved.copy_(out[..., head_dim:])
            else:
                torch.split_with_sizes_copy(out, [head_dim, width], dim=-1,
                                            out=[features, moved])
        ctx.save_for_backward(q, k, v, features, logsumexp)
        ctx.scale = scale
        return features

    @staticmethod
    def backward(ctx, grad_features):
        q, k, v, features, logsumexp = ctx.saved_tensors
        grad_q, grad_k, grad_v = _FLASH_CPU_BACKWARD(
            grad_features, q, k, v, features, logsumexp, 0.0, False, scale=ctx.scale)
        return grad_q, grad_k, grad_v, None, None, None


class RidingLabels:
    """The token labels of one traced pass, kept in the buffers the riding kernel reads and
    writes, so that a block costs the kernel's five ops and one in-place blend.

    - ``labels``: (B, N, D) the current labels (a view: it follows every update);
    - ``heads``: the same storage repeated over the H heads, (B, H, N, D), the kernel's input;
    - ``moved``: the kernel's per-head ``Ā_h y``, laid out so that each token's H·D values are
      one row: ``moved_rows`` is a batch of (N, H·D) matrices, and
      :func:`~.propagation.residual_update_` averages the heads and blends in one ``baddbmm_``
      against ``head_average`` (any label width, no reshaping of the labels);
    - ``head_average``: (B, H·D, D) H stacked identities over H, a stride-0 batch of one matrix.

    Args:
        labels (Tensor): (B, N, D) fp32 contiguous initial labels, owned by the tracer: they are
            updated in place from now on (``self.labels`` is this very tensor).
        num_heads (int): heads of the attention.
        previous (RidingLabels, optional): the previous pass's state, whose ``moved`` scratch
            buffer is reused when it has the same shape.
    """

    def __init__(self, labels, num_heads, previous=None):
        if not labels.is_contiguous():
            labels = labels.contiguous()
        batch, tokens, width = labels.shape
        self.num_heads = num_heads
        self.labels = labels
        self.heads = labels.as_strided((batch, num_heads, tokens, width),
                                       (tokens * width, 0, width, 1))
        shape = (batch, num_heads, tokens, width)
        if previous is not None and previous.moved.shape == shape and (
                previous.moved.device == labels.device):
            # Scratch, read right after each block: the previous pass's buffers will do.
            self.moved, self.moved_rows = previous.moved, previous.moved_rows
            self.head_average = previous.head_average
        else:
            row = num_heads * width
            self.moved = labels.new_empty_strided(shape, (tokens * row, width, row, 1))
            self.moved_rows = self.moved.as_strided((batch, tokens, row), (tokens * row, row, 1))
            eye = torch.eye(width, device=labels.device) / num_heads
            self.head_average = eye.repeat(num_heads, 1).expand(batch, -1, -1)


def label_riding_attention(q, k, v, labels, scale):
    """(attention output with grad, detached (B, N, D) head-averaged ``Ā·labels``).

    ``q, k, v``: (B, H, N, d) fp32 CPU; ``labels``: (B, N, D) fp32.
    """
    heads = labels[:, None].expand(-1, q.size(1), -1, -1)
    moved = torch.empty_like(heads)
    out = LabelRidingAttention.apply(q, k, v, heads, moved, scale)
    return out, moved.mean(dim=1)
