"""What every checkpoint converter shares: reading SRC, finding its state dict, writing DST.

A converter is one ``convert(state_dict) -> {key: tensor}`` that raises
:class:`ConverterInputError` for keys of another model; :func:`run_converter` is its command
line: SRC must exist and DST must not (unless ``--overwrite``), SRC is read with
``torch.load(weights_only=True)`` (nothing but tensors and containers), the state dict may be raw
or under ``model``, ``state_dict`` or ``state_dict_ema`` (a ``module.`` prefix of
DistributedDataParallel is dropped), and every refusal is one line (exit 2). A checkpoint of
another architecture is named as what it is, with the converter that takes it; an importer given
an mmengine checkpoint (already converted) says so.
"""
import argparse
import functools
import os.path as osp
import re
import sys
from typing import Callable, Dict, List, Optional

import torch

from tlalign_mm.errors import TLAlignError
from tlalign_mm.utils.checkpoint import safe_torch_load
from tlalign_mm.utils.output_guard import refuse_existing

WRAPPERS = ('model', 'state_dict', 'state_dict_ema')
# what only our own (mmengine / mmpretrain) checkpoints hold: the runner's records (a timm
# training checkpoint has an 'optimizer' too, so that one says nothing), and model keys under
# the classifier's parts
MMENGINE_RECORDS = ('message_hub', 'param_schedulers')
MMPRETRAIN_PARTS = ('backbone.', 'neck.', 'head.', 'data_preprocessor.')


#: what our_key returns for a key the conversion leaves out on purpose (e.g. a buffer the
#: target rebuilds); None means a key of another model
DROP = ''

#: Sources told apart by keys only their architecture's releases hold, in the order checked
#: (LV-ViT and iFormer also hold timm-like block keys): (name, key pattern, what to do instead).
KNOWN_SOURCES = (
    ('LV-ViT', r'patch_embed\.conv1\..+|aux_head\..+',
     'use tools/model_converters/lvvit_to_mmpretrain.py'),
    ('iFormer', r'blocks[1-4]\.\d+\..+|patch_embed2\..+',
     'use tools/model_converters/iformer_to_mmpretrain.py'),
    ('Swin Transformer', r'layers\.\d+\.blocks\.\d+\.attn\.relative_position_bias_table',
     'use tools/model_converters/swin_to_mmpretrain.py'),
    ('CLIP ViT', r'visual\.transformer\.resblocks\.\d+\..+',
     'use tools/model_converters/openai_clip_to_mmpretrain.py'),
    ('distilled DeiT', r'dist_token',
     "the project's ViT configs use mmpretrain's undistilled VisionTransformer: convert the "
     'undistilled release of the same size (e.g. deit_small_patch16_224)'),
    ('ViT / DeiT', r'blocks\.\d+\.attn\.qkv\.weight',
     'use tools/model_converters/timm_vit_to_mmpretrain.py'),
)


#: timm's block-relative names (ViT, DeiT, LV-ViT) -> mmpretrain's TransformerEncoderLayer
TIMM_BLOCK = {'norm1': 'ln1', 'norm2': 'ln2', 'attn.qkv': 'attn.qkv', 'attn.proj': 'attn.proj',
              'mlp.fc1': 'ffn.layers.0.0', 'mlp.fc2': 'ffn.layers.1'}


def top_key(key: str, top: Dict[str, str]) -> Optional[str]:
    """``top[key]``, or ``top[owner] + '.weight' / '.bias'`` for a parameter of a module that
    ``top`` renames, else None."""
    if key in top:
        return top[key]
    owner, _, leaf = key.rpartition('.')
    return f'{top[owner]}.{leaf}' if owner in top and leaf in ('weight', 'bias') else None


def timm_vit_key(key: str, top: Dict[str, str]) -> Optional[str]:
    """mmpretrain's name for a timm-layout ViT key: ``blocks.N.<part>`` through
    :data:`TIMM_BLOCK` to ``backbone.layers.N.<ours>``, everything else through ``top``."""
    match = re.fullmatch(r'blocks\.(\d+)\.(.+)\.(weight|bias)', key)
    if match and match[2] in TIMM_BLOCK:
        return f'backbone.layers.{match[1]}.{TIMM_BLOCK[match[2]]}.{match[3]}'
    return top_key(key, top)


class ConverterInputError(TLAlignError, ValueError):
    """SRC cannot be converted (missing, not a state dict, or keys of another model)."""


def refuse_other_architecture(state: Dict[str, torch.Tensor], model: str) -> None:
    """A state dict recognised as another architecture than ``model`` is refused by name."""
    for name, pattern, advice in KNOWN_SOURCES:
        example = next((k for k in state if re.fullmatch(pattern, k)), None)
        if example is not None:
            if name != model:
                raise ConverterInputError(
                    f'SRC is a {name} checkpoint (it holds {example!r}), not {model}: {advice}')
            return


def refuse_converted(checkpoint, path: str) -> None:
    """An mmengine / mmpretrain checkpoint is already in our format: say so, instead of
    listing its keys as foreign ones."""
    if not isinstance(checkpoint, dict):
        return
    state = checkpoint.get('state_dict', checkpoint)
    records = [key for key in MMENGINE_RECORDS if key in checkpoint]
    ours = isinstance(state, dict) and any(
        isinstance(k, str) and k.startswith('backbone.') for k in state) and all(
        isinstance(k, str) and k.startswith(MMPRETRAIN_PARTS) for k in state)
    if records or ours:
        what = (f'it holds the runner\'s {", ".join(records)}' if records else
                'its keys are under backbone. / head.')
        raise ConverterInputError(
            f'{path} is already an mmengine / mmpretrain checkpoint ({what}); it needs no '
            'conversion: pass it as `pretrained` or load it directly')


def source_state_dict(checkpoint) -> Dict[str, torch.Tensor]:
    """The tensor dict inside a loaded checkpoint, without a ``module.`` prefix."""
    for wrapper in WRAPPERS:
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(wrapper), dict):
            checkpoint = checkpoint[wrapper]
            break
    if not (isinstance(checkpoint, dict) and checkpoint
            and all(torch.is_tensor(v) for v in checkpoint.values())):
        raise ConverterInputError('SRC holds no state dict of tensors (raw, or under '
                                  f'{" / ".join(repr(w) for w in WRAPPERS)})')
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in checkpoint.items()}


def map_keys(state: Dict[str, torch.Tensor], our_key: Callable[[str], Optional[str]],
             model: str, block_prefix: str,
             source: str = "the authors' release") -> Dict[str, torch.Tensor]:
    """``{our_key(key): tensor}``; refuses a state dict of another known architecture, keys
    ``our_key`` does not know (another model's) and a state dict without ``block_prefix`` keys
    (no blocks of ``model`` at all). Keys mapped to :data:`DROP` are left out."""
    refuse_other_architecture(state, model)
    converted, unknown = {}, []
    for key, value in state.items():
        ours = our_key(key)
        if ours is None:
            unknown.append(key)
        elif ours != DROP:
            converted[ours] = value
    if unknown:
        raise ConverterInputError(f'{len(unknown)} keys are not {model} keys of {source}, '
                                  f'e.g. {unknown[:3]}')
    if not any(k.startswith(block_prefix) for k in converted):
        raise ConverterInputError(f'SRC holds no {model} blocks')
    return converted


def read_checkpoint(path: str, ours: bool = False):
    """The loaded checkpoint at ``path``; unless ``ours`` (an exporter's input), one of our own
    (mmengine / mmpretrain) checkpoints is refused as already converted."""
    if not osp.isfile(path):
        raise ConverterInputError(f'SRC not found: {path}')
    try:
        checkpoint = safe_torch_load(path)
    except TLAlignError as err:
        raise ConverterInputError(str(err)) from None
    except Exception as err:  # unpickling fails with many exception types
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConverterInputError(f'cannot read {path} as a weights-only torch checkpoint: '
                                  f'{first}') from None
    if not ours:
        refuse_converted(checkpoint, path)
    return checkpoint


def run_converter(argv: Optional[List[str]] = None, *, description: str,
                  convert: Callable[[Dict[str, torch.Tensor]], Dict[str, torch.Tensor]],
                  export: bool = False) -> int:
    """The command line of a converter: ``SRC DST``; returns the exit status.

    An importer (``export=False``) writes ``dict(meta=..., state_dict=...)``, an mmengine
    checkpoint; an exporter reads one of ours and writes the bare state dict other code loads.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='the checkpoint to convert (.pth / .pth.tar)')
    parser.add_argument('dst', help='the checkpoint to write (must not exist)')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing DST')
    args = parser.parse_args(argv)
    try:
        refuse_existing([args.dst], args.overwrite)
        state = convert(source_state_dict(read_checkpoint(args.src, ours=export)))
    except TLAlignError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if not export:
        state = dict(meta=dict(converted_from=osp.abspath(args.src)), state_dict=state)
    torch.save(state, args.dst)
    print(f'wrote {len(state.get("state_dict", state))} tensors to {args.dst}')
    return 0


def converter_main(convert: Callable[[Dict[str, torch.Tensor]], Dict[str, torch.Tensor]],
                   doc: str, export: bool = False):
    """``main(argv)``, the command line of ``convert``, described by ``doc``'s first line."""
    return functools.partial(run_converter, description=doc.split('\n')[0], convert=convert,
                             export=export)


def converter_entry(our_key: Callable[[str], Optional[str]], model: str, block_prefix: str,
                    doc: str, source: str = "the authors' release"):
    """``(convert, main)`` of a converter defined by its key map ``our_key`` (see
    :func:`map_keys`); ``main(argv)`` is its command line, described by ``doc``'s first line."""
    convert = functools.partial(map_keys, our_key=our_key, model=model,
                                block_prefix=block_prefix, source=source)
    return convert, converter_main(convert, doc)
