"""Label tracing through a stock mmpretrain ``VisionTransformer`` (ViT, DeiT, any arch).

Nothing of the backbone is re-implemented. Two attachment points are used while tracing:
the patch embedding (a forward hook: it tells the patch grid the backbone actually computed, so
odd image sizes and adaptive padding are handled by the backbone itself), and each block's
attention kernel — ``MultiheadAttention.scaled_dot_product_attention``, an instance attribute
that mmpretrain itself switches between implementations. During a traced forward that attribute
points to a kernel that also moves the labels one block forward; outside it the stock kernel is
restored.

Four kernels give identical labels:
- ``explicit``: materialise softmax(QKᵀ) once, use it for the features (with grad) *and* the
  labels (detached) — no second QKᵀ in forward; backward recomputes it instead of storing it
  (:mod:`.recomputed_attention`), so memory stays that of fused attention. Best where fused
  attention is no faster (CPU).
- ``fused``: keep the stock fused SDPA for the features and recompute the head-averaged
  attention for the labels under ``no_grad``.
- ``sdpa``: keep the stock kernel for the features and run one more fused attention with the
  labels as the value (``Ā·y`` without ever materialising Ā), in fp32.
- ``riding`` (fp32, CPU or CUDA): the device's fused kernel (CPU flash, CUDA memory-efficient)
  takes the labels as extra value channels and returns features and ``Ā·y`` from one pass; its
  backward is the stock one on the unpadded tensors (:mod:`.label_riding_attention`); features
  and gradients match the stock kernel's up to float rounding.
``auto`` picks ``riding`` where it is exact (fp32, no attention dropout) and affordable (on CPU
labels of at most 16 channels: there q and k are padded to the value's width; on CUDA any width,
once its first-use check on that device passed); otherwise ``fused`` on CPU and ``sdpa`` on
CUDA (autocast, attention dropout, a failed check).
The kernels' costs, measured side by side, are in ``docs/tl_align.md`` ("Overhead").
"""
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import VisionTransformer

from . import label_riding_attention as riding_module
from .kernel_swap import mark_wrapping, restore_kernel, swap_kernel, wrapped_stock
from .label_riding_attention import (RIDING_MAX_LABEL_WIDTH, LabelRidingAttention,
                                     RidingLabels, kernel_device, label_riding_attention,
                                     label_riding_exact, riding_verified)
from .propagation import (attention_propagated_labels, head_averaged_attention,
                          residual_propagate, residual_update, residual_update_)
from .recomputed_attention import recomputed_attention
from .token_grid import patch_embed_share
from .tracer import LabelTracer, UnsupportedBackboneError, register_tracer

KERNELS = ('auto', 'explicit', 'fused', 'riding', 'sdpa')


def vit_pixels_to_tokens(backbone, pixel_map, grid_hw):
    """(B, Hp*Wp) per-patch share of a (B, H, W) pixel map: ViT's stem is one patch projection."""
    return patch_embed_share(backbone.patch_embed, pixel_map, grid_hw)


def check_vit_attention(backbone, layers):
    """Refuse attention modules without mmpretrain's switchable kernel attribute."""
    for i, layer in layers:
        attn = layer.attn
        if not hasattr(attn, 'scaled_dot_product_attention'):
            raise UnsupportedBackboneError(
                f'layer {i} attention {type(attn).__name__} exposes no '
                '`scaled_dot_product_attention` kernel; TL-Align tracing supports '
                "mmpretrain's MultiheadAttention")


@register_tracer(VisionTransformer)
class ViTLabelTracer(LabelTracer):
    """Traces token labels through ``backbone`` between :meth:`attach` and :meth:`detach`.

    Args:
        backbone (VisionTransformer): any mmpretrain ViT/DeiT arch, any input size.
        kernel (str): one of :data:`KERNELS` (see the module docstring). Defaults to 'auto'.
    """
    kernels = KERNELS
    stays_attached = True  # every kernel and hook passes through without labels

    def __init__(self, backbone, kernel='auto'):
        super().__init__(backbone, kernel)
        check_vit_attention(backbone, enumerate(backbone.layers))
        self.attentions = [layer.attn for layer in backbone.layers]
        self._riding = None  # RidingLabels of the current pass, while the riding kernel runs
        self._kernels = {}  # id(attention) -> its traced kernel
        self._choices = {}  # kind of call -> kernel name (see _kernel_for)

    @property
    def token_size(self):
        return int(self.backbone.patch_embed.projection.stride[0])

    def pixels_to_tokens(self, pixel_map, grid_hw):
        return vit_pixels_to_tokens(self.backbone, pixel_map, grid_hw)

    # ---- attach / restore ------------------------------------------------------------------
    def _attach(self):
        self._handles.append(
            self.backbone.patch_embed.register_forward_hook(self._on_patch_embed))
        for attn in self.attentions:
            # One kernel object per attention for the tracer's life: a compiled backbone that
            # guards on it sees the same object on every attach.
            kernel = self._kernels.get(id(attn))
            if kernel is None or wrapped_stock(kernel) is not attn.scaled_dot_product_attention:
                kernel = self._kernels[id(attn)] = self._make_kernel(
                    attn.scaled_dot_product_attention)
            swap_kernel(attn, kernel)

    def _restore(self):
        for attn in self.attentions:
            # The stock kernel chosen in __init__ is stored on the instance too, so restore
            # exactly that object.
            restore_kernel(attn)

    # ---- tracing ---------------------------------------------------------------------------
    def _on_patch_embed(self, module, inputs, output):
        self.start(output[1], self.backbone.num_extra_tokens)

    def _kernel_for(self, q, dropout_p):
        """The kernel of this block: decided once per kind of call (device, dtype, shape,
        dropout, label width, the device the choice is made for), then looked up."""
        labels = self.labels
        key = (q.device, q.dtype, q.shape[1], q.shape[-1], labels.dtype, labels.shape[-1],
               dropout_p, riding_module._CHOSEN_AS)
        choice = self._choices.get(key)
        if choice is None:
            choice = self._choices[key] = self._choose_kernel(q, labels, dropout_p)
        return choice

    def _choose_kernel(self, q, labels, dropout_p):
        if self.kernel == 'auto':
            on_cuda = kernel_device(q) == 'cuda'
            # wide labels ride only where the kernel keeps q and k at their own size (CUDA)
            rides = (label_riding_exact(q, labels, dropout_p)
                     and (labels.size(-1) <= RIDING_MAX_LABEL_WIDTH or on_cuda)
                     and riding_verified(q, labels.size(-1)))
            if rides:
                return 'riding'
            return 'sdpa' if on_cuda else 'fused'
        if self.kernel == 'riding' and not label_riding_exact(q, labels, dropout_p):
            raise RuntimeError(
                "kernel 'riding' needs fp32 attention on CPU or CUDA without attention dropout "
                f"(got {q.dtype} on {q.device.type}, dropout {dropout_p}); use kernel='auto'")
        return self.kernel

    def _make_kernel(self, stock):

        def traced_kernel(q, k, v, attn_mask=None, dropout_p=0.0, scale=None, **kwargs):
            labels = self.labels
            if labels is None:
                return stock(q, k, v, attn_mask=attn_mask, dropout_p=dropout_p, scale=scale,
                             **kwargs)
            if attn_mask is not None:
                raise UnsupportedBackboneError('TL-Align cannot trace masked ViT attention')
            if q.size(-2) != labels.size(-2):
                raise RuntimeError(
                    f'attention sees {q.size(-2)} tokens but the label map has '
                    f'{labels.size(-2)}; the backbone adds tokens the tracer does not know')
            scale = q.size(-1)**-0.5 if scale is None else scale
            out = self._traced_attention(stock, q, k, v, dropout_p, scale, kwargs)
            self.record()
            return out

        return mark_wrapping(traced_kernel, stock)

    def _traced_attention(self, stock, q, k, v, dropout_p, scale, kwargs):
        """The block's attention output; moves ``self.labels`` one block forward."""
        kernel = self._kernel_for(q, dropout_p)
        if kernel == 'riding' and torch.compiler.is_compiling():
            # Compiled: the functional form (the compiler fuses its ops; it cannot take the
            # in-place buffers of the eager form as graph inputs).
            out, moved = label_riding_attention(q, k, v, self.labels, scale)
            self.labels = residual_update(self.labels, moved)
        elif kernel == 'riding':
            state = self._riding
            if state is None or state.labels is not self.labels:
                # First riding block of the pass: the labels move into the kernel's buffers,
                # where every block updates them in place (``self.labels`` is their view).
                state = self._riding = RidingLabels(self.labels, q.size(1), previous=state)
                self.labels = state.labels
            out = LabelRidingAttention.apply(q, k, v, state.heads, state.moved, scale,
                                             state.padding, state.scratch)
            with torch.no_grad():
                residual_update_(state.labels, state.moved_rows, state.head_average)
        elif kernel == 'explicit' and dropout_p == 0:
            out, avg = recomputed_attention(q, k, v, scale)
            self.labels = residual_propagate(self.labels, avg.float())
        elif kernel == 'explicit':
            probs = torch.matmul(q * scale, k.transpose(-2, -1)).softmax(dim=-1)
            out = torch.matmul(F.dropout(probs, dropout_p), v)
            self.labels = residual_propagate(self.labels, probs.detach().float().mean(dim=1))
        else:
            out = stock(q, k, v, dropout_p=dropout_p, scale=scale, **kwargs)
            # Both helpers run under no_grad: q and k need no detached copies.
            if kernel == 'fused':
                avg = head_averaged_attention(q, k, scale)
                self.labels = residual_propagate(self.labels, avg)
            else:
                moved = attention_propagated_labels(q, k, self.labels, scale)
                self.labels = residual_update(self.labels, moved)
        return out

    def _pool_summary(self):
        """The class token's label, or the patch mean where the backbone pools patches."""
        extra = self.num_extra_tokens
        use_cls = extra > 0 and getattr(self.backbone, 'out_type', 'cls_token') != 'avg_featmap'
        return self.labels[:, 0] if use_cls else self.labels[:, extra:].mean(dim=1)
