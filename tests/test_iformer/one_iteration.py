"""One real training iteration of a paper-scale iFormer config on the digits in real formats.

The config's own train dataset class, pipeline (sizes shrunk by the caller), optimiser wrapper
(the AMP one becomes CPU bf16 autocast as the tools do), parameter schedulers and custom hooks
(TLAlignHook) run through mmengine's Runner for exactly one iteration.
"""
import copy

from mmengine.hooks import Hook
from mmengine.runner import Runner

from launch_utils import apply_device_defaults


class StopAfterOneIteration(Hook):
    priority = 'LOWEST'

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        runner.train_loop.stop_training = True  # epoch loops
        runner.train_loop._max_iters = runner.iter  # iteration loops


def train_one_iteration(cfg, model, work_dir, samples=2):
    """Train ``model`` (built, no checkpoint) one iteration of ``cfg``; returns the runner."""
    cfg = copy.deepcopy(cfg)
    cfg.launcher = 'none'
    apply_device_defaults(cfg)
    loader = cfg.train_dataloader
    loader.update(num_workers=0, persistent_workers=False, batch_size=samples)
    dataset = loader.dataset
    while dataset.get('type') == 'RepeatDataset':
        dataset = dataset.dataset
    dataset['indices'] = samples
    loader.pop('batch_sampler', None)  # aspect-ratio grouping would wait for a second batch
    runner = Runner(
        model=model, work_dir=str(work_dir), train_dataloader=loader,
        train_cfg=cfg.train_cfg, optim_wrapper=cfg.optim_wrapper,
        param_scheduler=cfg.get('param_scheduler'),
        custom_hooks=[*(cfg.get('custom_hooks') or []), StopAfterOneIteration()],
        default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1)),
        default_scope=cfg.default_scope, randomness=dict(seed=0), log_level='WARNING',
        cfg=cfg)
    runner.train()
    return runner
