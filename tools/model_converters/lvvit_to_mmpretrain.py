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
import argparse
import os.path as osp
import re
import sys

import torch

# The authors' stem (PatchEmbed4_2 / PatchEmbed4_2_128): conv{i}/bn{i} -> stem.{i-1}.conv/bn.
STEM = re.compile(r'patch_embed\.(conv|bn)([123])\.(.+)')
# Block-relative names: theirs -> ours.
BLOCK = {'norm1': 'ln1', 'norm2': 'ln2', 'attn.qkv': 'attn.qkv', 'attn.proj': 'attn.proj',
         'mlp.fc1': 'ffn.layers.0.0', 'mlp.fc2': 'ffn.layers.1'}
TOP = {'cls_token': 'backbone.cls_token', 'pos_embed': 'backbone.pos_embed',
       'patch_embed.proj': 'backbone.patch_embed.projection', 'norm': 'backbone.ln1',
       'head': 'head.fc_cls', 'aux_head': 'head.fc_aux'}


class LVViTConversionError(ValueError):
    """SRC is missing, unreadable, or not an LV-ViT state dict of the authors' release."""


def our_key(key):
    """Our name for one of the authors' keys, or None when it is not an LV-ViT key."""
    match = STEM.fullmatch(key)
    if match:
        return f'backbone.patch_embed.stem.{int(match[2]) - 1}.{match[1]}.{match[3]}'
    match = re.fullmatch(r'blocks\.(\d+)\.(.+)\.(weight|bias)', key)
    if match and match[2] in BLOCK:
        return f'backbone.layers.{match[1]}.{BLOCK[match[2]]}.{match[3]}'
    if key in TOP:  # the two parameters without a suffix
        return TOP[key]
    owner, _, leaf = key.rpartition('.')
    if owner in TOP and leaf in ('weight', 'bias'):
        return f'{TOP[owner]}.{leaf}'
    return None


def unwrap(checkpoint):
    """The tensor dict inside a loaded checkpoint, without a ``module.`` prefix."""
    for wrapper in ('model', 'state_dict'):
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(wrapper), dict):
            checkpoint = checkpoint[wrapper]
            break
    if not (isinstance(checkpoint, dict) and checkpoint
            and all(torch.is_tensor(v) for v in checkpoint.values())):
        raise LVViTConversionError('SRC holds no state dict of tensors (raw, or under "model" '
                                   'or "state_dict")')
    return {re.sub(r'^module\.', '', k): v for k, v in checkpoint.items()}


def convert(state_dict):
    """``{our key: tensor}`` of an authors' LV-ViT state dict; unknown keys are refused."""
    converted = {k: v for k, v in ((our_key(k), v) for k, v in state_dict.items()) if k}
    unknown = [k for k in state_dict if our_key(k) is None]
    if unknown:
        raise LVViTConversionError(f'{len(unknown)} keys are not LV-ViT keys of the authors\' '
                                   f'release, e.g. {unknown[:3]}')
    if not any(k.startswith('backbone.layers.') for k in converted):
        raise LVViTConversionError('SRC holds no LV-ViT blocks')
    return converted


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="the authors' checkpoint (.pth / .pth.tar)")
    parser.add_argument('dst', help='the mmpretrain checkpoint to write (must not exist)')
    args = parser.parse_args(argv)
    try:
        if not osp.isfile(args.src):
            raise LVViTConversionError(f'SRC not found: {args.src}')
        if osp.exists(args.dst):
            raise LVViTConversionError(f'{args.dst} exists; refusing to overwrite it')
        try:
            checkpoint = torch.load(args.src, map_location='cpu', weights_only=True)
        except Exception as err:  # unpickling fails with many exception types
            raise LVViTConversionError(f'cannot read {args.src} as a weights-only torch '
                                       f'checkpoint: {str(err).splitlines()[0]}') from err
        state_dict = convert(unwrap(checkpoint))
    except LVViTConversionError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    torch.save(dict(meta=dict(converted_from=osp.abspath(args.src)), state_dict=state_dict),
               args.dst)
    print(f'wrote {len(state_dict)} tensors to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
