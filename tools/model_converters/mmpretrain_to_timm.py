"""Export a ViT / DeiT or Swin Transformer checkpoint of this project (mmpretrain keys) to a timm
state dict.

Usage: python tools/model_converters/mmpretrain_to_timm.py SRC DST

SRC is a checkpoint our tools wrote (``tools/train.py``, a converter): ``state_dict`` with
``backbone.*`` keys of mmpretrain's ``VisionTransformer`` or ``SwinTransformer`` and, when there
is one, the classifier (``head.layers.head`` of ``VisionTransformerClsHead``, ``head.fc`` of
``LinearClsHead``). DST gets the bare state dict in timm's layout (Swin: timm >= 0.6, patch
merging at the start of a stage, channels back in the official order), which
``timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=DST))`` loads, as
does ``model.load_state_dict`` with ``strict=False`` for a checkpoint without the classifier.
Adapter-only checkpoints (KAdaptation, LoRA) hold no backbone: merge them first
(tools/model_converters/merge_adapter.py). Nothing but tensors and containers is read or written.
"""
import os.path as osp
import re
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_cli import (DROP, TIMM_BLOCK, ConverterInputError, converter_main,  # noqa: E402
                           map_keys, top_key)
import swin_to_mmpretrain as swin  # noqa: E402
from swin_token_merging import unfold_to_official_order  # noqa: E402
from timm_vit_to_mmpretrain import TOP as TIMM_VIT_TOP  # noqa: E402

# the import maps, inverted
VIT_BLOCK = {ours: theirs for theirs, ours in TIMM_BLOCK.items()}
VIT_TOP = {ours: theirs for theirs, ours in TIMM_VIT_TOP.items()}
SWIN_BLOCK = {ours: theirs for theirs, ours in swin.BLOCK.items()}
# timm >= 0.6 names the classifier head.fc (the official layout the importer reads: head)
SWIN_TOP = dict({ours: theirs for theirs, ours in swin.TOP.items() if theirs != 'head'},
                **{f'backbone.norm{swin.LAST_STAGE}': 'norm', 'head.fc': 'head.fc'})


def vit_key(key):
    """timm's name for one mmpretrain ViT key, or None."""
    match = re.fullmatch(r'backbone\.layers\.(\d+)\.(.+)\.(weight|bias)', key)
    if match:
        theirs = VIT_BLOCK.get(match[2])
        return theirs and f'blocks.{match[1]}.{theirs}.{match[3]}'
    return top_key(key, VIT_TOP)


def swin_key(key):
    """timm's name for one mmpretrain Swin key (patch merging moved to the next stage), DROP
    for the index buffer timm rebuilds, or None."""
    match = re.fullmatch(r'backbone\.stages\.(\d+)\.blocks\.(\d+)\.(.+)', key)
    if match:
        stage, block, rest = match.groups()
        if rest == 'attn.w_msa.relative_position_index':
            return DROP
        if rest == 'attn.w_msa.relative_position_bias_table':
            return f'layers.{stage}.blocks.{block}.attn.relative_position_bias_table'
        owner, _, leaf = rest.rpartition('.')
        theirs = SWIN_BLOCK.get(owner)
        return theirs and f'layers.{stage}.blocks.{block}.{theirs}.{leaf}'
    match = re.fullmatch(r'backbone\.stages\.(\d+)\.downsample\.(norm|reduction)\.(\w+)', key)
    if match:
        return f'layers.{int(match[1]) + 1}.downsample.{match[2]}.{match[3]}'
    return top_key(key, SWIN_TOP)


def convert(state):
    """{timm key: tensor} of an mmpretrain ViT or Swin classifier state dict."""
    if 'backbone.layers.0.attn.qkv.weight' in state:
        return map_keys(state, vit_key, 'mmpretrain VisionTransformer', 'blocks.',
                        source='a ViT classifier (VisionTransformerClsHead without hidden layer)')
    if 'backbone.stages.0.blocks.0.attn.w_msa.qkv.weight' in state:
        timm = map_keys(state, swin_key, 'mmpretrain SwinTransformer', 'layers.',
                        source='a Swin classifier (final norm3, LinearClsHead)')
        return {k: unfold_to_official_order(v) if '.downsample.' in k else v
                for k, v in timm.items()}
    raise ConverterInputError(
        'SRC holds no mmpretrain VisionTransformer or SwinTransformer backbone '
        '(backbone.layers.0.attn.qkv / backbone.stages.0.blocks.0.attn.w_msa.qkv); an '
        'adapter-only checkpoint needs tools/model_converters/merge_adapter.py first')


main = converter_main(convert, __doc__, export=True)

if __name__ == '__main__':
    sys.exit(main())
