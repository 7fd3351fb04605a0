"""An epoch-based train loop that resumes mid-epoch exactly where the checkpoint was taken.

mmengine's ``EpochBasedTrainLoop`` restores the epoch, iteration counter, optimiser, schedulers
and message hub on ``--resume``, but (a) starts the interrupted epoch from its first batch again,
so the batches before the checkpoint are trained twice and the run ends with more iterations
than the uninterrupted one, and (b) does not restore the random number generators. The batch
augments (CutMix box, Mixup λ, partner permutation) draw from numpy's and torch's global RNGs
and, with ``num_workers=0``, so do the per-sample transforms.

This loop (``tools/train.py`` uses it in place of ``EpochBasedTrainLoop``; same arguments):

- keeps the RNG state at the end of every iteration in :attr:`rng_state`; ``RNGStateHook``
  writes it into each checkpoint's ``meta`` and hands it back on resume;
- restores that state right before the first batch of every epoch is fetched. Within a run this
  makes whatever the epoch boundary draws (validation, building the data iterator) not shift the
  training stream, which is what lets a resumed run reproduce it;
- skips the batches of the interrupted epoch that the checkpoint already contains: without
  loading them when the data loads in this process (``num_workers=0``: their transforms would
  draw from the restored RNG), by loading and discarding them when workers load the data (the
  workers' own RNGs then advance exactly as they did before the kill).
"""
import random

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.registry import LOOPS
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import BatchSampler


def capture_rng_state():
    """Python, numpy and torch (CPU and CUDA) global RNG states as weights_only-safe values."""
    _, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(python=random.getstate(),
                 numpy=dict(keys=torch.from_numpy(keys.astype(np.int64)), pos=int(pos),
                            has_gauss=int(has_gauss), cached_gaussian=float(cached)),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state):
    """Inverse of :func:`capture_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np_state = state['numpy']
    np.random.set_state(('MT19937', np_state['keys'].numpy().astype(np.uint32),
                         np_state['pos'], np_state['has_gauss'], np_state['cached_gaussian']))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _SkipFirst:
    """A sampler that drops the first ``n`` indices of another one (for one epoch)."""

    def __init__(self, sampler, n):
        self.sampler, self.n = sampler, n

    def __iter__(self):
        for i, index in enumerate(self.sampler):
            if i >= self.n:
                yield index

    def __len__(self):
        # the full epoch's length: the logger and end-of-epoch checks count batch indices from
        # the epoch's start, and the enumeration below starts at the first skipped-to index
        return len(self.sampler)


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` with exact mid-epoch resume (same arguments)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rng_state = None  # state after the last finished iteration
        self._started = False

    def _batches_to_skip(self):
        """Batches of the current epoch that the resumed checkpoint already trained."""
        if self._started:
            return 0
        self._started = True
        per_epoch = len(self.dataloader)
        return min(max(self._iter - self._epoch * per_epoch, 0), per_epoch)

    def _epoch_batches(self, skip):
        """(first batch index, iterator over the epoch's remaining batches, undo callback)."""
        loader = self.dataloader
        in_process = loader.num_workers == 0 and type(loader.batch_sampler) is BatchSampler
        undo = None
        if skip and in_process:
            batch_sampler = loader.batch_sampler
            original = batch_sampler.sampler
            batch_sampler.sampler = _SkipFirst(original, skip * batch_sampler.batch_size)

            def undo():  # after the epoch: BatchSampler reads its sampler lazily
                batch_sampler.sampler = original
        batches = iter(loader)
        if self.rng_state is not None:
            restore_rng_state(self.rng_state)
        if skip and not in_process:
            for _ in range(skip):
                next(batches)
        if skip:
            print_log(f'resuming inside epoch {self._epoch + 1}: skipped the {skip} batches the '
                      'checkpoint already trained', logger='current')
        return skip, batches, undo

    def run_epoch(self):
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        start, batches, undo = self._epoch_batches(self._batches_to_skip())
        try:
            for idx, data_batch in enumerate(batches, start):
                self.run_iter(idx, data_batch)
                self.rng_state = capture_rng_state()
        finally:
            if undo is not None:
                undo()
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
