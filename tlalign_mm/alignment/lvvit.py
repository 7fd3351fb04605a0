"""Label tracing through :class:`~tlalign_mm.models.backbones.LVViT`.

LV-ViT's blocks use mmpretrain's ``MultiheadAttention``, so the ViT tracer's kernels apply
unchanged: the re-scaled residual ``x + f(LN x) / λ_res`` changes how much a block adds, not
where the token's content comes from, so labels still move by ``y ← ½(Ā·y + y)``. Only the stem
differs: a conv stack of overall stride ``patch_size`` (16), whose tokens are pooled from their
stride × stride pixel footprint. Under MixToken (a token-level mix) that share is exactly 0 or 1.
"""
from ..models.backbones.lvvit import LVViT
from .token_grid import footprint_share
from .tracer import register_tracer
from .vit import ViTLabelTracer


@register_tracer(LVViT)
class LVViTLabelTracer(ViTLabelTracer):
    """Traces token labels through an ``LVViT`` (any arch and input size divisible by its
    stride); same kernels as :class:`~.vit.ViTLabelTracer`."""

    @property
    def token_size(self):
        return int(self.backbone.patch_embed.patch_size)

    def pixels_to_tokens(self, pixel_map, grid_hw):
        return footprint_share(pixel_map, grid_hw, self.token_size)
