"""One real training iteration of a paper-scale config, for the config tests.

The config's own train dataloader (dataset class, sampler, pipeline), optimiser wrapper (after the
tools' device defaults, so the AMP wrapper a paper config asks for becomes the CPU bf16 one here),
train loop, parameter schedulers and custom hooks (TL-Align, TransMix) go through mmengine's
Runner; the loop stops after its first iteration.
The model is passed in built, so the arms of one architecture can share it: each arm
only brings its own data preprocessor (batch augments, mix recording).
"""
import copy
from contextlib import contextmanager

import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from launch_utils import apply_device_defaults

NO_WORKERS = dict(num_workers=0, persistent_workers=False)


class StopAfterOneIteration(Hook):
    """Ends training after its first iteration, the way mmengine's EarlyStoppingHook ends an
    epoch loop (the epoch, one batch long here, completes), so the config's own loop, max_epochs
    and schedulers (warm-up and the phases after it) are built."""
    priority = 'LOWEST'

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        runner.train_loop.stop_training = True  # epoch loops
        runner.train_loop._max_iters = runner.iter  # iteration loops (segmentation)


def on_this_device(cfg):
    """A copy of ``cfg`` with the tools' device defaults applied (tools/launch_utils.py): on a
    machine without CUDA an AMP wrapper becomes CPU bf16 autocast, as in tools/train.py."""
    cfg = copy.deepcopy(cfg)
    cfg.launcher = 'none'
    apply_device_defaults(cfg)
    return cfg


def with_preprocessor(model, cfg, registry):
    """Give ``model`` the data preprocessor ``cfg`` builds, as mmpretrain's ImageClassifier
    does at construction: the top-level preprocessor with the model's train_cfg as its batch
    augments."""
    preprocessor = copy.deepcopy(dict(cfg.data_preprocessor))
    preprocessor.setdefault('type', 'ClsDataPreprocessor')
    # a copy: RandomBatchAugment appends the no-mixing probability to the `probs` it is given
    preprocessor.setdefault('batch_augments', copy.deepcopy(cfg.model.get('train_cfg')))
    model.data_preprocessor = registry.build(preprocessor)
    return model


def train_one_iteration(cfg, model, work_dir, samples=2, optim_wrapper=None):
    """Run one training iteration of ``cfg`` on ``model``; returns the runner afterwards.

    Args:
        cfg (Config): the parsed config; a copy runs, with its train loader cut to
            ``samples`` images in one batch and no worker processes.
        model (nn.Module): the model to train, already built (and possibly shared).
        work_dir (str | Path): where the runner writes its log.
        samples (int): images in the single batch. Defaults to 2 (a partner to mix with).
        optim_wrapper (OptimWrapper, optional): a wrapper built earlier for ``model`` from an
            identical ``optim_wrapper`` config, to keep its optimiser state allocated across
            arms. Defaults to None (built from ``cfg``).
    """
    cfg = on_this_device(cfg)
    loader = cfg.train_dataloader
    loader.update(NO_WORKERS, batch_size=samples)
    loader.pop('batch_sampler', None)  # aspect-ratio grouping would wait for a second batch
    dataset = loader.dataset
    while dataset.get('type') == 'RepeatDataset':
        dataset = dataset.dataset
    # serialize_data=False: packing the list runs gc.collect(), seconds on a heap of big models
    dataset.update(indices=samples, serialize_data=False)
    runner = Runner(
        model=model, work_dir=str(work_dir), train_dataloader=loader,
        train_cfg=cfg.train_cfg, optim_wrapper=optim_wrapper or cfg.optim_wrapper,
        param_scheduler=cfg.get('param_scheduler'),
        custom_hooks=[*(cfg.get('custom_hooks') or []), StopAfterOneIteration()],
        default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1)),
        default_scope=cfg.default_scope, randomness=dict(seed=0), log_level='WARNING')
    runner.train()
    return runner


@contextmanager
def gradient_norms(model, names):
    """Collects, during the backward passes inside the block, the gradient norm that reaches
    each named parameter (a dict filled as the gradients arrive). The update the optimiser makes
    from a warm-up learning rate can be below a weight's float32 resolution; the gradient
    itself shows that the backward pass crossed the network."""
    params = dict(model.named_parameters())
    norms = {}
    handles = [params[name].register_hook(
        lambda grad, name=name: norms.__setitem__(name, float(grad.float().norm())))
        for name in names]
    try:
        yield norms
    finally:
        for handle in handles:
            handle.remove()


def moved(model, names, step):
    """The named parameters whose values ``step()`` changed (the optimiser's update)."""
    params = dict(model.named_parameters())
    before = {name: params[name].detach().clone() for name in names}
    result = step()
    return result, {name for name in names if not torch.equal(params[name].detach(),
                                                               before[name])}
