"""Convert an official Swin Transformer checkpoint (Microsoft's release layout, which timm 0.4
also saves) or a timm >= 0.6 Swin checkpoint to mmpretrain ``SwinTransformer`` keys.

Usage: python tools/model_converters/swin_to_mmpretrain.py SRC DST

SRC holds the state dict raw or under ``model`` / ``state_dict`` / ``state_dict_ema`` (a
``module.`` prefix of DistributedDataParallel is dropped). The two layouts differ in where patch
merging sits (the official code ends stage i with it, timm starts stage i+1 with it) and in the
head's name; both are recognised. The official ``relative_position_index`` and ``attn_mask``
buffers are dropped, mmpretrain's index is rebuilt, and the merging layers' channels are put in
mmpretrain's unfold order (swin_token_merging.py). DST gets ``dict(meta=..., state_dict=...)``
with ``backbone.*`` keys (the final norm as ``norm3``) and ``head.fc.*`` of ``LinearClsHead``
(when SRC has a classifier): it loads strictly into configs/pretrain/swin/* of the same size and,
as ``pretrained``, into the Swin transfer configs. Only Swin V1 is taken.
"""
import os.path as osp
import re
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_cli import DROP, converter_main, map_keys  # noqa: E402
from swin_token_merging import official_to_unfold_order, relative_position_index  # noqa: E402

BLOCK = {'norm1': 'norm1', 'norm2': 'norm2', 'attn.qkv': 'attn.w_msa.qkv',
         'attn.proj': 'attn.w_msa.proj', 'mlp.fc1': 'ffn.layers.0.0', 'mlp.fc2': 'ffn.layers.1'}
TOP = {'patch_embed.proj': 'backbone.patch_embed.projection',
       'patch_embed.norm': 'backbone.patch_embed.norm', 'head': 'head.fc'}
LAST_STAGE = 3  # every Swin V1 release has four stages; mmpretrain names the final norm norm3


def our_key(key):
    """mmpretrain's name for one official-layout Swin key, DROP for the buffers mmpretrain
    rebuilds, None when it is not a Swin V1 key."""
    match = re.fullmatch(r'layers\.(\d+)\.blocks\.(\d+)\.(.+)', key)
    if match:
        stage, block, rest = match.groups()
        ours = f'backbone.stages.{stage}.blocks.{block}.'
        if rest in ('attn.relative_position_index', 'attn_mask'):
            return DROP
        if rest == 'attn.relative_position_bias_table':
            return ours + 'attn.w_msa.relative_position_bias_table'
        owner, _, leaf = rest.rpartition('.')
        return ours + f'{BLOCK[owner]}.{leaf}' if owner in BLOCK else None
    match = re.fullmatch(r'layers\.(\d+)\.downsample\.(norm|reduction)\.(weight|bias)', key)
    if match:
        return f'backbone.stages.{match[1]}.downsample.{match[2]}.{match[3]}'
    owner, _, leaf = key.rpartition('.')
    if leaf not in ('weight', 'bias'):
        return None
    if owner == 'norm':
        return f'backbone.norm{LAST_STAGE}.{leaf}'
    return f'{TOP[owner]}.{leaf}' if owner in TOP else None


def official_layout(state):
    """``state`` in the official layout: a timm >= 0.6 checkpoint (patch merging at the start
    of stage i+1, ``head.fc``) is renamed; an official one is returned as it is."""
    if 'layers.0.downsample.reduction.weight' in state or not any(
            re.match(r'layers\.\d+\.downsample\.', k) for k in state):
        return state
    renamed = {}
    for key, value in state.items():
        key = re.sub(r'^layers\.(\d+)\.downsample\.',
                     lambda m: f'layers.{int(m[1]) - 1}.downsample.', key)
        renamed[re.sub(r'^head\.fc\.', 'head.', key)] = value
    return renamed


def convert(state):
    """{mmpretrain key: tensor} of a Swin V1 state dict in either layout."""
    ours = map_keys(official_layout(state), our_key, 'Swin Transformer', 'backbone.stages.',
                    source='the official or timm release')
    for key in list(ours):
        if '.downsample.' in key:
            ours[key] = official_to_unfold_order(ours[key])
        if key.endswith('relative_position_bias_table'):
            index_key = key.replace('relative_position_bias_table', 'relative_position_index')
            ours[index_key] = relative_position_index(ours[key])
    return ours


main = converter_main(convert, __doc__)

if __name__ == '__main__':
    sys.exit(main())
