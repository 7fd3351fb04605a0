"""Fused attention whose forward also carries the token labels as extra value channels.

``Ā·y`` averaged over heads is ``mean_h softmax(q_h k_hᵀ)·y``: exactly what fused attention
returns for a value column equal to ``y``. The fused kernels need one head size for q, k and v,
so the forward runs on zero-padded q and k (zeros change no score) and on ``[v, y]``; the labels
come out of the same pass over the attention that produces the features, with no second QKᵀ.
The backward is the stock kernel's on the unpadded tensors: the logsumexp does not depend on v,
and the label channels carry no gradient. Features and gradients equal
``F.scaled_dot_product_attention``'s up to float rounding (the padded heads sum in another
order).

The kernel pair is the device's own (:data:`FUSED_KERNELS`): the CPU flash kernel, and on CUDA
the memory-efficient kernel (fp32; it takes a value head size of its own, a multiple of 8, so
there q and k stay unpadded and the label channels are padded to that multiple). A CUDA pair
is used only after :func:`riding_verified` has compared it once, on small random tensors of the
same shape, with ``F.scaled_dot_product_attention`` and explicitly formed attention: a kernel
this project has not run on that device never writes a label unchecked.

Its cost against the other kernels is in ``docs/tl_align.md`` ("Overhead").
"""
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import print_log

# Widest label worth riding: every label channel widens q, k and v of every head, so 1000-class
# K-dim labels are cheaper recomputed beside the stock kernel.
RIDING_MAX_LABEL_WIDTH = 16


class FusedKernel(NamedTuple):
    """``forward(q, k, v, scale) -> (out, saved)`` and
    ``backward(grad, q, k, v, out, saved, scale) -> (grad_q, grad_k, grad_v)``; ``align``: the
    head-size multiple the kernel needs; ``equal_head_sizes``: whether v must have q's head
    size (then q and k are zero-padded to the value's)."""
    forward: Callable
    backward: Callable
    align: int
    equal_head_sizes: bool


def _cpu_forward(q, k, v, scale):
    out, logsumexp = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
        q, k, v, 0.0, False, scale=scale)
    return out, (logsumexp, )


def _cpu_backward(grad, q, k, v, out, saved, scale):
    return torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward(
        grad, q, k, v, out, saved[0], 0.0, False, scale=scale)


def _cuda_forward(q, k, v, scale):
    out, logsumexp, seed, offset = torch.ops.aten._scaled_dot_product_efficient_attention(
        q, k, v, None, True, 0.0, False, scale=scale)
    return out, (logsumexp, seed, offset)


def _cuda_backward(grad, q, k, v, out, saved, scale):
    logsumexp, seed, offset = saved
    grads = torch.ops.aten._scaled_dot_product_efficient_attention_backward(
        grad, q, k, v, None, out, logsumexp, seed, offset, 0.0, [True, True, True, False], False,
        scale=scale)
    return grads[:3]


FUSED_KERNELS: Dict[str, FusedKernel] = {}
if hasattr(torch.ops.aten, '_scaled_dot_product_flash_attention_for_cpu_backward'):
    FUSED_KERNELS['cpu'] = FusedKernel(_cpu_forward, _cpu_backward, align=1,
                                       equal_head_sizes=True)
if hasattr(torch.ops.aten, '_scaled_dot_product_efficient_attention_backward'):
    # the memory-efficient kernel takes a value head size of its own: q and k stay unpadded, so
    # even 1000-class K-dim labels cost no wider QKᵀ (checked at first use, riding_verified)
    FUSED_KERNELS['cuda'] = FusedKernel(_cuda_forward, _cuda_backward, align=8,
                                        equal_head_sizes=False)


def label_riding_exact(q, labels, dropout_p=0.0):
    """Whether the riding kernel gives exact labels here: fp32 tensors on a device with a fused
    kernel pair, and no attention dropout (labels use the attention before dropout)."""
    return (q.device.type in FUSED_KERNELS and q.dtype == torch.float32
            and labels.dtype == torch.float32 and dropout_p == 0)


def label_padding(width: int, device_type: str) -> int:
    """Zero channels after the labels so that the head size suits the device's kernel."""
    return -width % FUSED_KERNELS[device_type].align


class LabelRidingAttention(torch.autograd.Function):
    """``softmax(q kᵀ·scale) v`` with grad; writes ``softmax_h(q kᵀ·scale) y`` of every head into
    ``moved`` (detached).

    ``heads``: the (B, N, D) labels repeated over the heads, (B, H, N, D) (a stride-0 view), so
    they are one ``cat`` away from the padded value; ``padding``: None or zero channels (B, H, N,
    P) the kernel's alignment needs, with ``scratch`` (B, H, N, P) to receive their output.
    ``moved``: a (B, H, N, D) buffer of any layout; the kernel's output is split into the
    features and ``moved`` by one copy. Beside the stock kernel it dispatches five aten ops: two
    pads, the cat, the features' buffer and the split copy.
    """

    @staticmethod
    def forward(ctx, q, k, v, heads, moved, scale, padding=None, scratch=None):
        kernel = FUSED_KERNELS[q.device.type]
        width = heads.size(-1)
        if padding is None:  # (no comprehension: each is one more Python call per block)
            labels, sizes, extra = [heads], [v.size(-1), width], width
        else:
            pad = padding.size(-1)
            labels, sizes, extra = [heads, padding], [v.size(-1), width, pad], width + pad
        with torch.no_grad():
            value = torch.cat([v, *labels], dim=-1)
            if kernel.equal_head_sizes:
                out, saved = kernel.forward(F.pad(q, (0, extra)), F.pad(k, (0, extra)), value,
                                            scale)
            else:
                out, saved = kernel.forward(q, k, value, scale)
            # Features in the stock kernel's memory layout (B, N, H, d), so the block's
            # ``transpose(1, 2).reshape`` stays a view and the projection saves this very tensor
            # for backward: the padded output is freed here, and memory is that of the stock
            # path.
            batch, num_heads, tokens, head_dim = v.shape
            features = v.new_empty_strided(
                v.shape, (tokens * num_heads * head_dim, head_dim, num_heads * head_dim, 1))
            outputs = [features, moved] if scratch is None else [features, moved, scratch]
            if torch.compiler.is_compiling():
                # Dynamo cannot trace ``out=`` lists of strided tensors; the compiler fuses
                # these copies anyway.
                start = 0
                for target, size in zip(outputs, sizes):
                    target.copy_(out[..., start:start + size])
                    start += size
            else:
                torch.split_with_sizes_copy(out, sizes, dim=-1, out=outputs)
        ctx.save_for_backward(q, k, v, features, *saved)
        ctx.scale = scale
        return features

    @staticmethod
    def backward(ctx, grad_features):
        q, k, v, features, *saved = ctx.saved_tensors
        kernel = FUSED_KERNELS[q.device.type]
        grad_q, grad_k, grad_v = kernel.backward(grad_features, q, k, v, features, saved,
                                                 ctx.scale)
        return grad_q, grad_k, grad_v, None, None, None, None, None


class RidingLabels:
    """The token labels of one traced pass, kept in the buffers the riding kernel reads and
    writes, so that a block costs the kernel's five ops and one in-place blend.

    - ``labels``: (B, N, D) the current labels (a view: it follows every update);
    - ``heads``: the same storage repeated over the H heads, (B, H, N, D), the kernel's input;
    - ``padding`` / ``scratch``: the zero channels the device's kernel needs (None on CPU);
    - ``moved``: the kernel's per-head ``Ā_h y``, laid out so that each token's H·D values are
      one row: ``moved_rows`` is a batch of (N, H·D) matrices, and
      :func:`~.propagation.residual_update_` averages the heads and blends in one ``baddbmm_``
      against ``head_average`` (any label width, no reshaping of the labels);
    - ``head_average``: (B, H·D, D) H stacked identities over H, a stride-0 batch of one matrix.

    Args:
        labels (Tensor): (B, N, D) fp32 contiguous initial labels, owned by the tracer: they are
            updated in place from now on (``self.labels`` is this very tensor).
        num_heads (int): heads of the attention.
        previous (RidingLabels, optional): the previous pass's state, whose scratch buffers are
            reused when they have the same shape.
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
            self.padding, self.scratch = previous.padding, previous.scratch
            return
        row = num_heads * width
        self.moved = labels.new_empty_strided(shape, (tokens * row, width, row, 1))
        self.moved_rows = self.moved.as_strided((batch, tokens, row), (tokens * row, row, 1))
        eye = torch.eye(width, device=labels.device) / num_heads
        self.head_average = eye.repeat(num_heads, 1).expand(batch, -1, -1)
        pad = label_padding(width, labels.device.type)
        self.padding = self.scratch = None
        if pad:
            self.padding = labels.new_zeros(1, 1, 1, pad).expand(batch, num_heads, tokens, pad)
            self.scratch = labels.new_empty(batch, num_heads, tokens, pad)


def label_riding_attention(q, k, v, labels, scale):
    """(attention output with grad, detached (B, N, D) head-averaged ``Ā·labels``).

    ``q, k, v``: (B, H, N, d) fp32 on a device of :data:`FUSED_KERNELS`; ``labels``: (B, N, D)
    fp32.
    """
    heads = labels[:, None].expand(-1, q.size(1), -1, -1)
    moved = torch.empty_like(heads)
    pad = label_padding(labels.size(-1), q.device.type)
    padding = scratch = None
    if pad:
        padding = heads.new_zeros(1, 1, 1, pad).expand(*heads.shape[:-1], pad)
        scratch = heads.new_empty(*heads.shape[:-1], pad)
    out = LabelRidingAttention.apply(q, k, v, heads, moved, scale, padding, scratch)
    return out, moved.mean(dim=1)


_VERIFIED: Dict[Tuple, bool] = {}


def riding_verified(q, width: int) -> bool:
    """Whether the riding kernel of ``q``'s device gives the stock features and gradients and
    the exact labels for attention of ``q``'s head count and size with ``width`` label channels:
    compared once per (device, dtype, heads, head size, width) on small random tensors with
    ``F.scaled_dot_product_attention`` and explicitly formed attention. The CPU pair is pinned by
    the test suite; another device's is checked here, at its first use, and a failure (an error
    or a mismatch) is reported once and answered False (the caller then recomputes the labels
    beside the stock kernel)."""
    if q.device.type == 'cpu':
        return True
    key = (str(q.device), q.dtype, q.size(1), q.size(-1), width)
    if key not in _VERIFIED:
        _VERIFIED[key] = _check_riding(q, width)
    return _VERIFIED[key]


def _check_riding(like, width) -> bool:
    gen = torch.Generator(device=like.device).manual_seed(0)

    def rand(*shape):
        return torch.randn(*shape, generator=gen, device=like.device, dtype=like.dtype)

    heads, head_dim, tokens = like.size(1), like.size(-1), 17
    q, k, v = (rand(2, heads, tokens, head_dim).requires_grad_() for _ in range(3))
    labels = rand(2, tokens, width).softmax(-1)
    scale = head_dim**-0.5
    try:
        with torch.enable_grad():
            out, moved = label_riding_attention(q, k, v, labels, scale)
            grads = torch.autograd.grad(out.square().sum(), (q, k, v))
            reference = F.scaled_dot_product_attention(q, k, v, scale=scale)
            reference_grads = torch.autograd.grad(reference.square().sum(), (q, k, v))
        attention = torch.softmax(q.detach() @ k.detach().transpose(-2, -1) * scale, dim=-1)
        reference_moved = (attention @ labels[:, None]).mean(dim=1)
        close = (torch.allclose(out, reference, atol=1e-4, rtol=1e-3)
                 and torch.allclose(moved, reference_moved, atol=1e-5, rtol=1e-4)
                 and all(torch.allclose(g, r, atol=1e-3, rtol=1e-3)
                         for g, r in zip(grads, reference_grads)))
        problem = None if close else 'results differ from the reference'
    except Exception as err:  # a kernel that does not take these shapes, or is missing
        problem = f'{type(err).__name__}: {str(err).strip().splitlines()[0][:200]}'
    if problem is not None:
        print_log(f'TL-Align: the label-riding kernel on {like.device} ({like.dtype}, '
                  f'{heads} heads of {head_dim}, {width} label channels) failed its check '
                  f'({problem}); the labels are recomputed beside the stock kernel instead',
                  logger='current', level=30)
    return problem is None


def kernel_device(q) -> str:
    """The device whose kernel choice the tracer makes: ``q``'s, unless
    :func:`kernels_chosen_as` says otherwise (the host-work count of the CUDA path on CPU)."""
    return _CHOSEN_AS or q.device.type


_CHOSEN_AS: Optional[str] = None


@contextmanager
def kernels_chosen_as(device_type: str) -> Iterator[None]:
    """``with kernels_chosen_as('cuda'):`` the ViT tracer picks the kernel it would pick on
    CUDA, while the tensors (and the fused kernels run) stay where they are: so
    ``tools/analysis/tlalign_overhead.py --count-ops --as-device cuda`` counts, on a CPU machine,
    the Python and aten path that CUDA training takes."""
    global _CHOSEN_AS
    before, _CHOSEN_AS = _CHOSEN_AS, device_type
    try:
        yield
    finally:
        _CHOSEN_AS = before
