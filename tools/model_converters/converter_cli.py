"""What every checkpoint converter shares: reading SRC, finding its state dict, writing DST.

A converter is one ``convert(state_dict) -> {our key: tensor}`` that raises
:class:`ConverterInputError` for keys of another model; :func:`run_converter` is its command
line: SRC must exist and DST must not (unless ``--overwrite``), SRC is read with ``torch.load(weights_only=True)``
(nothing but tensors and containers), the state dict may be raw or under ``model``,
``state_dict`` or ``state_dict_ema`` (a ``module.`` prefix of DistributedDataParallel is
dropped), an mmengine checkpoint (already converted) is named as one, and every refusal is one
line (exit 2).
"""
import argparse
import functools
import os.path as osp
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


class ConverterInputError(TLAlignError, ValueError):
    """SRC cannot be converted (missing, not a state dict, or keys of another model)."""


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
             model: str, block_prefix: str) -> Dict[str, torch.Tensor]:
    """``{our_key(key): tensor}``; refuses keys ``our_key`` does not know (another model's)
    and a state dict without ``block_prefix`` keys (no blocks of ``model`` at all)."""
    converted, unknown = {}, []
    for key, value in state.items():
        ours = our_key(key)
        if ours is None:
            unknown.append(key)
        else:
            converted[ours] = value
    if unknown:
        raise ConverterInputError(f'{len(unknown)} keys are not {model} keys of the authors\' '
                                  f'release, e.g. {unknown[:3]}')
    if not any(k.startswith(block_prefix) for k in converted):
        raise ConverterInputError(f'SRC holds no {model} blocks')
    return converted


def read_checkpoint(path: str):
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
    refuse_converted(checkpoint, path)
    return checkpoint


def run_converter(argv: Optional[List[str]] = None, *, description: str,
                  convert: Callable[[Dict[str, torch.Tensor]], Dict[str, torch.Tensor]]) -> int:
    """The command line of a converter: ``SRC DST``; returns the exit status."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='the checkpoint to convert (.pth / .pth.tar)')
    parser.add_argument('dst', help='the mmpretrain checkpoint to write (must not exist)')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing DST')
    args = parser.parse_args(argv)
    try:
        refuse_existing([args.dst], args.overwrite)
        state = convert(source_state_dict(read_checkpoint(args.src)))
    except TLAlignError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    torch.save(dict(meta=dict(converted_from=osp.abspath(args.src)), state_dict=state),
               args.dst)
    print(f'wrote {len(state)} tensors to {args.dst}')
    return 0


def converter_entry(our_key: Callable[[str], Optional[str]], model: str, block_prefix: str,
                    doc: str):
    """``(convert, main)`` of a converter defined by its key map ``our_key`` (see
    :func:`map_keys`); ``main(argv)`` is its command line, described by ``doc``'s first line."""
    convert = functools.partial(map_keys, our_key=our_key, model=model,
                                block_prefix=block_prefix)
    main = functools.partial(run_converter, description=doc.split('\n')[0], convert=convert)
    return convert, main
