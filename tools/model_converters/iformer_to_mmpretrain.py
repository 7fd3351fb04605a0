"""Convert an iFormer checkpoint of the authors' release (timm-style keys) to mmpretrain keys.

Usage: python tools/model_converters/iformer_to_mmpretrain.py SRC DST

SRC holds the authors' state dict, raw or under ``model`` / ``state_dict`` (a ``module.``
prefix from DistributedDataParallel is dropped). DST receives ``dict(meta=..., state_dict=...)``
with ``backbone.`` keys for ``IFormer`` (``tlalign_mm.models.backbones``) and ``head.fc.`` for
mmpretrain's ``LinearClsHead``, so it loads strictly into configs/pretrain/iformer/* of the same
arch and, with prefix ``backbone.``, into the dense configs. Both files are read and written
with ``torch.load(weights_only=True)`` semantics: nothing but tensors and containers.
"""
import os.path as osp
import re
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_cli import converter_entry  # noqa: E402

# Authors' block-relative names -> ours (the suffix after the matched prefix is kept).
BLOCK_PARTS = [
    ('norm1.', 'norm1.'),
    ('norm2.', 'norm2.'),
    ('mlp.', 'mlp.'),
    ('layer_scale_1', 'ls1.weight'),
    ('layer_scale_2', 'ls2.weight'),
    ('attn.high_mixer.conv1.', 'mixer.high_mixer.conv_pw.'),
    ('attn.high_mixer.proj1.', 'mixer.high_mixer.conv_dw.'),
    ('attn.high_mixer.proj2.', 'mixer.high_mixer.pool_proj.'),
    ('attn.low_mixer.qkv.', 'mixer.low_mixer.qkv.'),
    ('attn.conv_fuse.', 'mixer.fuse_dw.'),
    ('attn.proj.', 'mixer.proj.'),
]
STEM_PARTS = {'proj1': 'conv1', 'norm1': 'bn1', 'proj2': 'conv2', 'norm2': 'bn2'}
FINAL_STAGE = 3  # the authors' four stages; their final LayerNorm becomes norm3


def _block_key(rest):
    for theirs, ours in BLOCK_PARTS:
        if rest.startswith(theirs):
            return ours + rest[len(theirs):]
    return None


def convert_key(key):
    """Our name of one authors' key, or None when the key is not iFormer's."""
    match = re.fullmatch(r'patch_embed\.(proj1|norm1|proj2|norm2)\.(.+)', key)
    if match:
        return f'backbone.patch_embed.{STEM_PARTS[match[1]]}.{match[2]}'
    match = re.fullmatch(r'patch_embed([234])\.(proj|norm)\.(.+)', key)
    if match:
        part = 'conv' if match[2] == 'proj' else 'bn'
        return f'backbone.stages.{int(match[1]) - 1}.downsample.{part}.{match[3]}'
    match = re.fullmatch(r'pos_embed([1234])', key)
    if match:
        return f'backbone.stages.{int(match[1]) - 1}.pos_embed'
    match = re.fullmatch(r'blocks([1234])\.(\d+)\.(.+)', key)
    if match:
        rest = _block_key(match[3])
        return rest and f'backbone.stages.{int(match[1]) - 1}.blocks.{match[2]}.{rest}'
    match = re.fullmatch(r'(norm|head)\.(weight|bias)', key)
    if match:
        owner = f'backbone.norm{FINAL_STAGE}' if match[1] == 'norm' else 'head.fc'
        return f'{owner}.{match[2]}'
    return None


# convert(state_dict) -> {our key: tensor}, refusing keys of another model; main(argv): the CLI
convert, main = converter_entry(convert_key, 'iFormer', 'backbone.stages.', __doc__)

if __name__ == '__main__':
    sys.exit(main())
