"""Convert an iFormer checkpoint of the authors' release (timm-style keys) to mmpretrain keys.

Usage: python tools/model_converters/iformer_to_mmpretrain.py SRC DST

SRC holds the authors' state dict, raw or under ``model`` / ``state_dict`` (a ``module.``
prefix from DistributedDataParallel is dropped). DST receives ``dict(meta=..., state_dict=...)``
with ``backbone.`` keys for ``IFormer`` (``tlalign_mm.models.backbones``) and ``head.fc.`` for
mmpretrain's ``LinearClsHead``, so it loads strictly into configs/pretrain/iformer/* of the same
arch and, with prefix ``backbone.``, into the dense configs. Both files are read and written
with ``torch.load(weights_only=True)`` semantics: nothing but tensors and containers.
"""
import argparse
import os.path as osp
import re
import sys

import torch

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


class ConverterInputError(ValueError):
    """SRC cannot be converted (missing, not a state dict, or keys of another model)."""


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


def authors_state_dict(checkpoint):
    """The authors' state dict inside a loaded checkpoint (raw, ``model`` or ``state_dict``)."""
    state = checkpoint
    for wrapper in ('model', 'state_dict'):
        if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
            state = state[wrapper]
            break
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise ConverterInputError('SRC is not a state dict of tensors (raw, or under '
                                  '"model" / "state_dict")')
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}


def convert(state):
    """``{our key: tensor}`` for an authors' iFormer state dict; refuses unknown keys."""
    converted, unknown = {}, []
    for key, value in state.items():
        ours = convert_key(key)
        if ours is None:
            unknown.append(key)
        else:
            converted[ours] = value
    if unknown:
        raise ConverterInputError(f'{len(unknown)} keys are not iFormer keys of the authors\' '
                                  f'release, e.g. {unknown[:3]}')
    if not any(k.startswith('backbone.stages.') for k in converted):
        raise ConverterInputError('SRC holds no iFormer blocks')
    return converted


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="the authors' checkpoint (.pth)")
    parser.add_argument('dst', help='where to write the mmpretrain checkpoint (must not exist)')
    args = parser.parse_args(argv)
    try:
        if not osp.isfile(args.src):
            raise ConverterInputError(f'SRC not found: {args.src}')
        if osp.exists(args.dst):
            raise ConverterInputError(f'{args.dst} exists; refusing to overwrite it')
        try:
            checkpoint = torch.load(args.src, map_location='cpu', weights_only=True)
        except Exception as err:  # unpickling errors come in many types
            raise ConverterInputError(f'cannot read {args.src} as a weights-only torch '
                                      f'checkpoint: {str(err).splitlines()[0]}') from err
        state = convert(authors_state_dict(checkpoint))
    except ConverterInputError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    torch.save(dict(meta=dict(converted_from=osp.abspath(args.src)), state_dict=state),
               args.dst)
    print(f'wrote {len(state)} tensors to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
