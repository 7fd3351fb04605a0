"""Convert an LV-ViT checkpoint of the authors' release (timm-style keys) to our keys.

Usage: python tools/model_converters/lvvit_to_mmpretrain.py SRC DST

SRC holds the authors' state dict, raw or under ``model`` / ``state_dict`` (a ``module.``
prefix of DistributedDataParallel is dropped). DST gets ``dict(meta=..., state_dict=...)``
with ``backbone.*`` keys of ``LVViT`` and ``head.fc_cls`` / ``head.fc_aux`` of
``TokenLabelingHead``: it loads strictly into configs/pretrain/lvvit/* of the same arch, and
through ``init_cfg`` with ``prefix='backbone.'`` into the segmentation configs. A position
embedding of another image size is resized by the backbone on load. Nothing but tensors and
containers is read or written.
"""
import os.path as osp
import re
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_cli import converter_entry, timm_vit_key  # noqa: E402

# The authors' stem (PatchEmbed4_2 / PatchEmbed4_2_128): conv{i}/bn{i} -> stem.{i-1}.conv/bn.
STEM = re.compile(r'patch_embed\.(conv|bn)([123])\.(.+)')
# Outside the blocks (whose names are timm's): theirs -> ours.
TOP = {'cls_token': 'backbone.cls_token', 'pos_embed': 'backbone.pos_embed',
       'patch_embed.proj': 'backbone.patch_embed.projection', 'norm': 'backbone.ln1',
       'head': 'head.fc_cls', 'aux_head': 'head.fc_aux'}


def our_key(key):
    """Our name for one of the authors' keys, or None when it is not an LV-ViT key."""
    match = STEM.fullmatch(key)
    if match:
        return f'backbone.patch_embed.stem.{int(match[2]) - 1}.{match[1]}.{match[3]}'
    return timm_vit_key(key, TOP)


# convert(state_dict) -> {our key: tensor}, refusing keys of another model; main(argv): the CLI
convert, main = converter_entry(our_key, 'LV-ViT', 'backbone.layers.', __doc__)

if __name__ == '__main__':
    sys.exit(main())
