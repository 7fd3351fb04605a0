"""An independent, deliberately naive TL-Align reference for mmpretrain ViTs.

Written from the spec, not from the tracer: every block's attention is materialised by hand from
the block's qkv weights (softmax(q kᵀ / √d), averaged over heads) and full K-dim labels are
propagated with ``y ← ½(Ā y + y)``. The features themselves are advanced by the stock layers.
"""
import torch
from mmpretrain.models.utils import resize_pos_embed


def reference_vit_labels(backbone, images, patch_labels, cls_label=None):
    backbone.eval()
    with torch.no_grad():
        x, grid = backbone.patch_embed(images)
        batch = x.size(0)
        extra = backbone.num_extra_tokens
        if backbone.cls_token is not None:
            x = torch.cat([backbone.cls_token.expand(batch, -1, -1), x], dim=1)
        x = x + resize_pos_embed(backbone.pos_embed, backbone.patch_resolution, grid,
                                 mode=backbone.interpolate_mode, num_extra_tokens=extra)
        x = backbone.pre_norm(x)

        labels = patch_labels.double()
        if extra:
            cls = labels.mean(1) if cls_label is None else cls_label.double()
            labels = torch.cat([cls[:, None].expand(-1, extra, -1), labels], dim=1)
        for layer in backbone.layers:
            attn_module = layer.attn
            heads = attn_module.num_heads
            h = layer.ln1(x).double()
            qkv = h @ attn_module.qkv.weight.double().t()
            if attn_module.qkv.bias is not None:
                qkv = qkv + attn_module.qkv.bias.double()
            tokens = h.size(1)
            head_dim = qkv.size(-1) // 3 // heads
            qkv = qkv.reshape(batch, tokens, 3, heads, head_dim)
            q = qkv[:, :, 0].permute(0, 2, 1, 3)
            k = qkv[:, :, 1].permute(0, 2, 1, 3)
            attention = torch.softmax(q @ k.transpose(-1, -2) / head_dim**0.5, dim=-1).mean(1)
            labels = 0.5 * (attention @ labels + labels)
            x = layer(x)
        if extra and backbone.out_type != 'avg_featmap':
            return labels[:, 0].float()
        return labels[:, extra:].mean(1).float()
