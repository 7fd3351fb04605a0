"""What tools/train.py and tools/test.py share: config loading, device defaults, runner build.

Kept beside the tools (not in the package) because it is about command-line behaviour: turning
bad input into one-line errors and choosing CPU-safe settings.
"""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import tlalign_mm  # noqa: F401  registers modules, safe checkpoint loading
from tlalign_mm.engine import init_cpu_process_group
from tlalign_mm.alignment import UnsupportedBackboneError
from tlalign_mm.engine.hooks import TLAlignConfigError
from tlalign_mm.utils import (ClassCountError, CorruptedCheckpointError, DatasetRootError,
                              UnsafeCheckpointError, check_data_roots)
from tlalign_mm.utils.pretrained import (PretrainedCheckpointError, check_pretrained_backbone,
                                         check_pretrained_exists, use_pretrained)

# Input errors detected by hooks once the runner starts (before the first iteration).
CONFIG_ERRORS = (ClassCountError, TLAlignConfigError, UnsupportedBackboneError,
                 UnsafeCheckpointError, CorruptedCheckpointError)


class ToolInputError(Exception):
    """Bad input that the tool reports in one line."""


def load_config(path, cfg_options, work_dir, launcher):
    if not osp.isfile(path):
        raise ToolInputError(f'config not found: {path}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
        if 'pretrained' in cfg_options:
            try:
                use_pretrained(cfg, cfg_options['pretrained'])
            except PretrainedCheckpointError as err:
                raise ToolInputError(str(err)) from None
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def apply_amp(cfg):
    """fp16 + dynamic loss scale on CUDA; bf16 autocast on CPU (mmengine's AMP asserts CUDA)."""
    wrapper = cfg.optim_wrapper
    if torch.cuda.is_available():
        wrapper.type = 'AmpOptimWrapper'
        wrapper.setdefault('loss_scale', 'dynamic')
    else:
        print('--amp on a machine without CUDA: using bfloat16 CPU autocast '
              '(CPUBf16AmpOptimWrapper); fp16 loss scaling needs a GPU.')
        wrapper.type = 'CPUBf16AmpOptimWrapper'
        wrapper.pop('loss_scale', None)


def apply_device_defaults(cfg):
    """Make GPU-oriented configs run on CPU: gloo DDP, no CUDA-only AMP wrapper."""
    if torch.cuda.is_available():
        return
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.launcher == 'pytorch':
        init_cpu_process_group()
    if cfg.launcher != 'none':
        wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
            find_unused_parameters=cfg.get('find_unused_parameters', False))
        wrapper_cfg['type'] = 'CPUDistributedDataParallel'
        cfg.model_wrapper_cfg = wrapper_cfg
    wrapper = cfg.get('optim_wrapper')
    if wrapper and wrapper.get('type') == 'AmpOptimWrapper':
        print('config asks for AmpOptimWrapper but no CUDA device exists: '
              'using CPUBf16AmpOptimWrapper instead.')
        wrapper.type = 'CPUBf16AmpOptimWrapper'
        wrapper.pop('loss_scale', None)


def build_runner(cfg, check_loaders, check_pretrained=False):
    """Build the runner after the cheap input checks; with ``check_pretrained`` (training)
    also make sure the backbone's pre-training checkpoint exists and fits, before any weight
    is initialised."""
    try:
        check_data_roots(cfg, check_loaders)
        if check_pretrained:
            check_pretrained_exists(cfg)
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
        if check_pretrained:
            check_pretrained_backbone(runner.model, cfg)
        return runner
    except (DatasetRootError, ClassCountError, UnsafeCheckpointError, CorruptedCheckpointError,
            PretrainedCheckpointError) as err:
        raise ToolInputError(str(err)) from None
