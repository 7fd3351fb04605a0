"""Save every rank's RNG state in the checkpoint and give it back on ``--resume``.

mmengine's checkpoint restores the seed but not the generators' positions, so after a resume
the batch augments draw other boxes, λ and partners than the uninterrupted run would have. The
state kept is the one when the checkpoint is written (right after its iteration). On resume
:class:`~tlalign_mm.engine.ResumableEpochBasedTrainLoop` restores it before the next batch is
fetched; with any other loop it is restored at the first iteration after the resume. Each
rank's generators advance on their own (a transform may draw a different number of values per
sample), so under DDP the ranks' states are gathered to the saving rank when a checkpoint is due
and each rank gets its own back.
"""
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ..resumable_epoch_loop import capture_rng_state, restore_rng_state

META_KEY = 'rng_states'  # list indexed by rank


@HOOKS.register_module()
class RNGStateHook(Hook):
    # After every hook that draws random numbers in after_train_iter, before CheckpointHook.
    priority = 'LOW'

    def __init__(self):
        self._gathered = None  # all ranks' states for the checkpoint about to be written
        self._pending = None  # state to restore at the next iteration (loops without support)

    @staticmethod
    def _checkpoint_due(runner, epoch_end):
        for hook in runner.hooks:
            if not isinstance(hook, CheckpointHook) or hook.by_epoch != epoch_end:
                continue
            if epoch_end:
                due = hook.every_n_epochs(runner, hook.interval, hook.save_begin) or (
                    hook.save_last and hook.is_last_train_epoch(runner))
            else:
                due = hook.every_n_train_iters(runner, hook.interval, hook.save_begin) or (
                    hook.save_last and hook.is_last_train_iter(runner))
            if due:
                return True
        return False

    def _gather_if_due(self, runner, epoch_end):
        if get_world_size() > 1 and self._checkpoint_due(runner, epoch_end):
            self._gathered = all_gather_object(capture_rng_state())

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._gather_if_due(runner, epoch_end=False)

    def after_train_epoch(self, runner):
        self._gather_if_due(runner, epoch_end=True)

    def before_save_checkpoint(self, runner, checkpoint):
        states = self._gathered if self._gathered is not None else [capture_rng_state()]
        checkpoint.setdefault('meta', {})[META_KEY] = states
        self._gathered = None

    def after_load_checkpoint(self, runner, checkpoint):
        states = checkpoint.get('meta', {}).get(META_KEY)
        if not getattr(runner, '_resume', False):
            return  # load_from (fine-tuning, testing) starts its own random stream
        if not states:
            print_log('the resumed checkpoint holds no RNG state (written without '
                      'RNGStateHook): random draws after the resume differ from an '
                      'uninterrupted run', logger='current', level=30)
            return
        rank = get_rank()
        if rank >= len(states):
            print_log(f'the checkpoint holds RNG states of {len(states)} rank(s), this run has '
                      f'{get_world_size()}: rank {rank} continues from rank 0\'s',
                      logger='current', level=30)
        state = states[rank] if rank < len(states) else states[0]
        if hasattr(runner.train_loop, 'rng_state'):
            runner.train_loop.rng_state = state  # restored before the next batch is fetched
        else:
            self._pending = state

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self._pending is not None:
            restore_rng_state(self._pending)
            self._pending = None
