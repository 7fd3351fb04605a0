"""What tools/train.py and tools/test.py share: config loading, device defaults, runner build.

Kept beside the tools (not in the package) because it is about command-line behaviour: turning
bad input into one-line errors and choosing CPU-safe settings.
"""
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import tlalign_mm  # noqa: E402  registers the project's modules
from tlalign_mm.datasets.dataset_checks import check_classification_annotations
from tlalign_mm.engine import init_cpu_process_group, process_group_closed  # noqa: F401
from tlalign_mm.errors import TLAlignError, ToolInputError
from tlalign_mm.utils import check_data_roots
from tlalign_mm.utils.checkpoint_fit import check_checkpoint_fits
from tlalign_mm.utils.config_checks import dataset_configs
from tlalign_mm.utils.build_errors import config_build_errors  # noqa: F401
from tlalign_mm.utils.config_options import merge_checked_options
from tlalign_mm.utils.pretrained import (check_frozen_base_is_pretrained,
                                         check_pretrained_backbone, check_pretrained_exists,
                                         frozen_base, use_pretrained)
from tlalign_mm.utils.output_guard import refuse_earlier_run, refuse_existing  # noqa: F401
from tlalign_mm.utils.resume import config_changes, resumable_checkpoint
from tlalign_mm.utils.tensorboard import add_tensorboard  # noqa: F401

# The tools run with every safety behaviour (importing tlalign_mm only registers names).
tlalign_mm.install_safety()

# Every error the package raises at users derives from TLAlignError (tlalign_mm/errors.py), the
# tools' own ToolInputError too: the tools catch that root and print one line, whatever part of
# the package raised it.


def one_line(err):
    """The message of ``err`` without a worker traceback around it.

    A DataLoader worker re-raises its error in the main process with the worker's traceback
    prepended; the original message is the last line, after ``ClassName: ``.
    """
    text = str(err).strip()
    if 'Traceback (most recent call last)' not in text:
        return text or type(err).__name__
    last = text.splitlines()[-1]
    prefix = f'{type(err).__name__}: '
    return last.split(prefix, 1)[1] if prefix in last else last


def resolve_resume(cfg, resume):
    """``--resume`` (``'auto'``: newest loadable checkpoint in the work dir) or a path."""
    if resume != 'auto':
        cfg.resume, cfg.load_from = True, resume
        return
    found = resumable_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
    if found is None:  # the config's own load_from (a fine-tuning start), if any, stays
        print(f'--resume: no complete checkpoint in {cfg.work_dir}; starting from the start')
        cfg.resume = False
        return
    cfg.resume, cfg.load_from = True, found


def warn_config_changes(cfg):
    """Name the settings that differ from the config the resumed checkpoint was trained with."""
    changes = config_changes(cfg.load_from, cfg)
    if changes:
        print(f'warning: resuming {cfg.load_from}, which was trained with another config: '
              f'{"; ".join(changes)}', flush=True)


def apply_reliability_defaults(cfg, allow_nonfinite_loss=False):
    """Stop at a non-finite loss, keep RNG states in checkpoints, resume inside an epoch.

    The epoch-based loop becomes :class:`~tlalign_mm.engine.ResumableEpochBasedTrainLoop`
    (same arguments); a config naming another loop type keeps it.
    """
    hooks = cfg.get('custom_hooks') or []
    types = {h.get('type') for h in hooks}
    if 'FiniteLossHook' not in types:
        hooks.append(dict(type='FiniteLossHook',
                          action='warn' if allow_nonfinite_loss else 'raise'))
    if 'RNGStateHook' not in types:
        hooks.append(dict(type='RNGStateHook'))
    cfg.custom_hooks = hooks
    loop = cfg.get('train_cfg')
    if loop is None:
        return
    if loop.get('type') == 'EpochBasedTrainLoop' or (
            'type' not in loop and loop.get('by_epoch', False)):
        loop.pop('by_epoch', None)
        loop['type'] = 'ResumableEpochBasedTrainLoop'


def check_loaded_checkpoint(runner, path):
    """One-line refusal of a checkpoint that leaves model weights uninitialised (local files;
    a URL is left to mmengine's loader)."""
    if not path or '://' in str(path):
        return
    try:
        check_checkpoint_fits(runner.model, path)
    except FileNotFoundError as err:
        raise ToolInputError(str(err)) from None


def load_config(path, cfg_options, work_dir, launcher):
    if not osp.isfile(path):
        raise ToolInputError(f'config not found: {path}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg_options = merge_checked_options(cfg, cfg_options, path)
        if 'pretrained' in cfg_options:
            use_pretrained(cfg, cfg_options['pretrained'])
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


def build_runner(cfg, check_loaders, check_pretrained=False, allow_random_base=False):
    """Build the runner after the cheap input checks; with ``check_pretrained`` (training)
    also make sure the backbone's pre-training checkpoint exists and fits, before any weight
    is initialised. A frozen backbone (adapters, linear probe) needs its ``pretrained``
    checkpoint in training and testing alike, unless ``allow_random_base``."""
    check_data_roots(cfg, check_loaders)
    for where, dataset_cfg in dataset_configs(cfg, check_loaders):
        check_classification_annotations(dataset_cfg, where)
    check_frozen_base_is_pretrained(cfg, allow_random_base)
    check_pretrained = check_pretrained or bool(frozen_base(cfg))  # testing a frozen base too
    if check_pretrained:
        check_pretrained_exists(cfg)
    deterministic = (cfg.get('randomness') or {}).get('deterministic', False)
    if deterministic:  # cuBLAS needs this before CUDA starts to be deterministic at all
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    if deterministic:
        # mmengine turns on torch's deterministic algorithms in error mode, so one op without
        # a deterministic kernel would end the run; honour the request where a kernel exists
        # and warn (once per op) where none does.
        torch.use_deterministic_algorithms(True, warn_only=True)
    if check_pretrained:
        check_pretrained_backbone(runner.model, cfg)
    return runner


def build_test_runner(config, checkpoint, cfg_options, work_dir, launcher,
                      allow_missing_weights=False, allow_random_base=False):
    """A runner that evaluates ``checkpoint`` with the config's test loop and evaluator: what
    tools/test.py runs, and tools/train.py ``--out-metrics`` after training."""
    cfg = load_config(config, cfg_options, work_dir, launcher)
    if not osp.isfile(checkpoint):
        raise ToolInputError(f'checkpoint not found: {checkpoint}')
    cfg.load_from = checkpoint
    apply_device_defaults(cfg)
    cfg.custom_hooks = [*(cfg.get('custom_hooks') or []), dict(type='DatasetSanityHook')]
    runner = build_runner(cfg, check_loaders=('test_dataloader', ),
                          allow_random_base=allow_random_base)
    if not allow_missing_weights:
        check_loaded_checkpoint(runner, checkpoint)
    return runner


def write_metrics(path, runner, metrics):
    """The metrics dict as JSON, atomically: a benchmark cell counts as finished once the file
    exists. Only rank 0 writes."""
    from tlalign_mm.utils.atomic_io import atomic_write_json
    if path and runner.rank == 0:
        atomic_write_json(path, {k: float(v) for k, v in metrics.items()}, indent=2)
