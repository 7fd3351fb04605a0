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
- ``riding`` (CPU, fp32): the CPU flash kernel's forward takes the labels as extra value channels
  and returns features and ``Ā·y`` from one pass; its backward is the stock one on the unpadded
  tensors (:mod:`.label_riding_attention`); features and gradients match the stock kernel's up
  to float rounding.
``auto`` picks ``riding`` on CPU (``fused`` where riding cannot be exact: autocast, attention
dropout, or labels wider than 16 channels such as 1000-class K-dim labels) and ``sdpa`` on GPU.
Per DeiT-S layer at batch 32 on a 2-core CPU, over a ~70 ms stock attention fwd+bwd: riding
+6 ms, fused +19 ms, explicit +50 ms (the stock flash backward beats an explicit one there).
(Riding through ``F.scaled_dot_product_attention`` itself was measured on an H100 and dropped:
its autograd saves the padded copies, +9-12% peak memory, and it saved no time there.)
"""
import torch
import torch.nn.functional as F

from .label_riding_attention import (RIDING_MAX_LABEL_WIDTH, label_riding_attention,
                                     label_riding_exact)
from .propagation import (attention_propagated_labels, head_averaged_attention,
                          residual_propagate)
from .recomputed_attention import recomputed_attention

KERNELS = ('auto', 'explicit', 'fused', 'riding', 'sdpa')


class ViTLabelTracer:
    """Traces token labels through ``backbone`` while :meth:`tracing` is active."""

    def __init__(self, backbone, kernel='auto'):
        if kernel not in KERNELS:
            raise ValueError(f'kernel must be one of {KERNELS}, got {kernel!r}')
        self.backbone = backbone
        self.kernel = kernel
        self.attentions = [layer.attn for layer in backbone.layers]
        for i, attn in enumerate(self.attentions):
            if not hasattr(attn, 'scaled_dot_product_attention'):
                raise TypeError(
                    f'layer {i} attention {type(attn).__name__} exposes no '
                    '`scaled_dot_product_attention` kernel; TL-Align tracing supports '
                    "mmpretrain's MultiheadAttention")
        self.source = None
        self.labels = None
        # Set to a list to record (patch-token labels (B, N_patch, D), summary label (B, D)),
        # detached, at the initial labels and after every block (the token-fluctuation tool).
        self.history = None
        self._handles = []

    # ---- attach / detach -------------------------------------------------------------------
    def attach(self, source):
        """Trace the next forward pass(es) with initial labels from ``source``."""
        self.detach()
        self.source = source
        self.labels = None
        self._handles.append(
            self.backbone.patch_embed.register_forward_hook(self._on_patch_embed))
        for attn in self.attentions:
            attn.scaled_dot_product_attention = self._make_kernel(
                attn.scaled_dot_product_attention)

    def detach(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        for attn in self.attentions:
            # Drop the instance override: the stock kernel chosen in __init__ is stored on the
            # instance too, so restore exactly that object.
            stock = getattr(attn.scaled_dot_product_attention, '_tlalign_stock', None)
            if stock is not None:
                attn.scaled_dot_product_attention = stock
        self.source = None

    # ---- tracing ---------------------------------------------------------------------------
    def _on_patch_embed(self, module, inputs, output):
        grid_hw = tuple(output[1])
        extra = self.backbone.num_extra_tokens
        self.labels = self.source.initial_labels(module, grid_hw, extra).detach().float()
        self._grid_hw = grid_hw
        self._record_history()

    def _kernel_for(self, q, dropout_p):
        if self.kernel == 'auto':
            if q.is_cuda:
                return 'sdpa'
            rides = (label_riding_exact(q, self.labels, dropout_p)
                     and self.labels.size(-1) <= RIDING_MAX_LABEL_WIDTH)
            return 'riding' if rides else 'fused'
        if self.kernel == 'riding' and not label_riding_exact(q, self.labels, dropout_p):
            raise RuntimeError(
                "kernel 'riding' needs fp32 CPU attention without attention dropout (got "
                f'{q.dtype} on {q.device.type}, dropout {dropout_p}); use kernel=\'auto\'')
        return self.kernel

    def _make_kernel(self, stock):

        def traced_kernel(q, k, v, attn_mask=None, dropout_p=0.0, scale=None, **kwargs):
            if self.labels is None:
                return stock(q, k, v, attn_mask=attn_mask, dropout_p=dropout_p, scale=scale,
                             **kwargs)
            if attn_mask is not None:
                raise NotImplementedError('TL-Align tracing of masked ViT attention')
            if q.size(-2) != self.labels.size(1):
                raise RuntimeError(
                    f'attention sees {q.size(-2)} tokens but the label map has '
                    f'{self.labels.size(1)}; the backbone adds tokens the tracer does not know')
            scale = q.size(-1)**-0.5 if scale is None else scale
            kernel = self._kernel_for(q, dropout_p)
            if kernel == 'riding':
                out, moved = label_riding_attention(q, k, v, self.labels, scale)
                self.labels = torch.lerp(self.labels, moved, 0.5)
            elif kernel == 'explicit' and dropout_p == 0:
                out, avg = recomputed_attention(q, k, v, scale)
                self.labels = residual_propagate(self.labels, avg.float())
            elif kernel == 'explicit':
                probs = torch.matmul(q * scale, k.transpose(-2, -1)).softmax(dim=-1)
                avg = probs.detach().float().mean(dim=1)
                out = torch.matmul(F.dropout(probs, dropout_p), v)
                self.labels = residual_propagate(self.labels, avg)
            else:
                out = stock(q, k, v, dropout_p=dropout_p, scale=scale, **kwargs)
                if kernel == 'fused':
                    avg = head_averaged_attention(q.detach(), k.detach(), scale)
                    self.labels = residual_propagate(self.labels, avg)
                else:
                    moved = attention_propagated_labels(q.detach(), k.detach(), self.labels,
                                                        scale)
                    self.labels = torch.lerp(self.labels, moved, 0.5)
            self._record_history()
            return out

        traced_kernel._tlalign_stock = stock
        return traced_kernel

    def _record_history(self):
        if self.history is not None:
            extra = self.backbone.num_extra_tokens
            self.history.append((self.labels[:, extra:].detach(), self.summary_label().detach()))

    def summary_label(self):
        """(B, D) image-level label from the final token labels, pooled like the features."""
        if self.labels is None:
            raise RuntimeError('no traced forward pass: the backbone did not run while attached')
        extra = self.backbone.num_extra_tokens
        use_cls = extra > 0 and getattr(self.backbone, 'out_type', 'cls_token') != 'avg_featmap'
        return self.labels[:, 0] if use_cls else self.labels[:, extra:].mean(dim=1)
