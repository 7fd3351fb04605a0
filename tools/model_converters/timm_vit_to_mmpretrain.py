"""Convert a timm ViT / DeiT checkpoint (timm, DeiT's and the TL-Align authors' releases) to
mmpretrain ``VisionTransformer`` keys.

Usage: python tools/model_converters/timm_vit_to_mmpretrain.py SRC DST

SRC holds a timm-layout state dict (``blocks.N.attn.qkv``, ``patch_embed.proj``, ``cls_token``,
``norm``, ``head``), raw or under ``model`` / ``state_dict`` / ``state_dict_ema`` (a ``module.``
prefix of DistributedDataParallel is dropped): what ``timm.create_model(...).state_dict()``,
DeiT's ``deit_*.pth`` and the TL-Align authors' training script save. DST gets
``dict(meta=..., state_dict=...)`` with ``backbone.*`` keys of ``VisionTransformer`` and
``head.layers.head.*`` of ``VisionTransformerClsHead`` (when SRC has a classifier), so it loads
strictly into configs/pretrain/deit/* of the same size and, as ``pretrained``, into every transfer
config. A distilled DeiT (``dist_token``) is refused: its extra token has no place in the
undistilled ViT. Nothing but tensors and containers is read or written.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_cli import converter_entry, timm_vit_key  # noqa: E402

# Everything outside the blocks (the parameters without a weight / bias suffix included).
TOP = {'cls_token': 'backbone.cls_token', 'pos_embed': 'backbone.pos_embed',
       'patch_embed.proj': 'backbone.patch_embed.projection', 'norm_pre': 'backbone.pre_norm',
       'norm': 'backbone.ln1', 'head': 'head.layers.head'}


def our_key(key):
    """mmpretrain's name for one timm ViT key, or None when it is not a plain ViT / DeiT key."""
    return timm_vit_key(key, TOP)


# convert(state_dict) -> {our key: tensor}, refusing keys of another model; main(argv): the CLI
convert, main = converter_entry(our_key, 'ViT / DeiT', 'backbone.layers.', __doc__,
                                source='a timm / DeiT release')

if __name__ == '__main__':
    sys.exit(main())
