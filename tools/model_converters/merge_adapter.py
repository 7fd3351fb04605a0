"""Merge a KAdaptation / q-v LoRA checkpoint into a plain classifier checkpoint.

Usage: python tools/model_converters/merge_adapter.py CONFIG CKPT DST [--cfg-options k=v ...]

CONFIG is the adapter config the run trained with (its ``pretrained`` variable, or
``--cfg-options pretrained=PATH``, names the frozen backbone); CKPT the run's checkpoint
(adapter + head only). DST receives every weight with each ΔW folded into its qkv weight and
bias, under the plain backbone's key names: it loads into the same config with
``model.backbone`` replaced by ``model.backbone.module``, at no inference cost.
"""
import argparse
import os.path as osp
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from mmengine.config import DictAction  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='merge adapter weights into a plain checkpoint')
    parser.add_argument('config', help='the adapter config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='adapter checkpoint (adapter + head parameters)')
    parser.add_argument('dst', help='where to write the merged checkpoint (must not exist)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. pretrained=PATH')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing DST')
    parser.add_argument('--allow-random-base', action='store_true',
                        help='merge although `pretrained` is None (a random frozen backbone)')
    return parser.parse_args(argv)


def merge(config, checkpoint, dst, cfg_options=None, allow_random_base=False, overwrite=False):
    """Build the adapted model, load ``checkpoint``, write the merged state dict to ``dst``."""
    import torch
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS

    sys.path.insert(0, osp.join(ROOT, 'tools'))
    from launch_utils import (ToolInputError, check_frozen_base_is_pretrained,
                              check_checkpoint_fits, check_pretrained_backbone,
                              check_pretrained_exists, load_config, refuse_existing)
    from tlalign_mm.models.peft import merged_model_state_dict

    refuse_existing([dst], overwrite)
    if not osp.isfile(checkpoint):
        raise ToolInputError(f'checkpoint not found: {checkpoint}')
    cfg = load_config(config, cfg_options, None, 'none')
    check_frozen_base_is_pretrained(cfg, allow_random_base)
    check_pretrained_exists(cfg)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = MODELS.build(cfg.model)
    check_pretrained_backbone(model, cfg)  # the frozen base it loaded fits the backbone
    check_checkpoint_fits(model, checkpoint, flag=None)  # adapters and head, all of them
    try:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    except RuntimeError as err:  # keys of another adapter / architecture: name the first
        first = str(err).strip().splitlines()[0]
        raise ToolInputError(f'{checkpoint} is not a checkpoint of this adapter config: '
                             f'{first}') from None
    state = merged_model_state_dict(model)
    torch.save(dict(meta=dict(merged_from=osp.abspath(checkpoint), config=osp.abspath(config)),
                    state_dict=state), dst)
    return state


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    from launch_utils import TLAlignError, config_build_errors
    try:
        with config_build_errors():
            state = merge(args.config, args.checkpoint, args.dst, args.cfg_options,
                          args.allow_random_base, args.overwrite)
    except TLAlignError as err:
        sys.exit(f'error: {err}')
    print(f'wrote {args.dst}: {len(state)} tensors, adapters merged; load it with the same '
          'config and model.backbone = model.backbone.module')


if __name__ == '__main__':
    main()
