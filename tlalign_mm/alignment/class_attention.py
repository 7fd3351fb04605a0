"""The last block's class-token attention of a stock mmpretrain ViT, captured during one forward.

TransMix needs only one attention row: the class token's, in the last block, averaged over heads.
As in :mod:`.vit`, nothing of the backbone is re-implemented: the last block's
``MultiheadAttention.scaled_dot_product_attention`` instance attribute is swapped for a kernel
that runs the stock kernel unchanged (the features keep the fused path) and, beside it, forms the
class row softmax(q_cls Kᵀ) under ``no_grad`` — O(N) per head, so recomputing it is cheaper
than materialising the whole N×N attention. A patch-embedding hook reports the patch grid the
backbone computed, for pooling the pixel mix mask onto it the way the ViT tracer does.
"""
from .kernel_swap import mark_wrapping, restore_kernel, swap_kernel
from .propagation import head_averaged_attention
from .tracer import UnsupportedBackboneError
from .vit import vit_pixels_to_tokens


class LastBlockClassAttention:
    """Captures ``attention`` (B, P): class token → patch tokens, last block, mean over heads."""

    def __init__(self, backbone):
        from mmpretrain.models.backbones import VisionTransformer
        if not isinstance(backbone, VisionTransformer):
            raise UnsupportedBackboneError(
                f'TransMix needs the class-token attention of an mmpretrain VisionTransformer '
                f'(ViT/DeiT); got {type(backbone).__module__}.{type(backbone).__name__}')
        if getattr(backbone, 'cls_token', None) is None or backbone.out_type != 'cls_token':
            raise UnsupportedBackboneError(
                "TransMix re-weights the label by the class token's attention, so the backbone "
                "must have a class token and classify from it (with_cls_token=True, "
                f"out_type='cls_token'); got out_type={backbone.out_type!r}")
        attn = backbone.layers[-1].attn
        if not hasattr(attn, 'scaled_dot_product_attention'):
            raise UnsupportedBackboneError(
                f'last block attention {type(attn).__name__} exposes no '
                "`scaled_dot_product_attention` kernel; TransMix supports mmpretrain's "
                'MultiheadAttention')
        self.backbone = backbone
        self.attn = attn
        self.attention = None
        self.grid_hw = None
        self._handle = None

    def attach(self):
        """Capture during the next forward pass(es) until :meth:`detach`."""
        self.detach()
        self.attention = None
        self.grid_hw = None
        self._handle = self.backbone.patch_embed.register_forward_hook(self._on_patch_embed)
        swap_kernel(self.attn, self._make_kernel(self.attn.scaled_dot_product_attention))

    def detach(self):
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
        restore_kernel(self.attn)

    def _on_patch_embed(self, module, inputs, output):
        self.grid_hw = tuple(output[1])

    def own_fraction(self, own_mask):
        """(B, P) own-image share of each patch of the captured pass (ViT's stem pooling)."""
        return vit_pixels_to_tokens(self.backbone, own_mask, self.grid_hw)

    def _make_kernel(self, stock):

        def class_attention_kernel(q, k, v, attn_mask=None, dropout_p=0.0, scale=None,
                                   **kwargs):
            out = stock(q, k, v, attn_mask=attn_mask, dropout_p=dropout_p, scale=scale,
                        **kwargs)
            if attn_mask is not None:
                raise NotImplementedError('class attention of masked ViT attention')
            scale = q.size(-1)**-0.5 if scale is None else scale
            row = head_averaged_attention(q[:, :, :1].detach(), k.detach(), scale)  # (B, 1, N)
            self.attention = row[:, 0, self.backbone.num_extra_tokens:]
            return out

        return mark_wrapping(class_attention_kernel, stock)
