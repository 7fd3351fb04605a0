"""The set-up and per-iteration life cycle shared by the hooks that rewrite a mixed batch's label.

TL-Align and TransMix both watch one training forward pass: the data preprocessor's output tells
them the batch's mix record, the backbone's output is the moment to write the new label (before
the head computes its loss). Forward hooks on those two modules exist only inside a training
iteration, so validation and inference run the stock model untouched.

Before training the base class checks that the model records its mixes and that no other
label-rewriting hook is configured (two of them would overwrite each other's label); it checks
the batch augments again whenever they are replaced during training (mmpretrain's
``SwitchRecipeHook``).
"""
import torch
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from ...augments import MixRecord
from .mix_setup import check_mix_recording


class MixedLabelHook(Hook):
    """Base class. Subclasses set ``config_error`` (the error type of a model that cannot be
    traced) and ``log_key``, and implement :meth:`_setup` (build what watches the backbone),
    :meth:`_start` (a mixed batch is about to go through the backbone), :meth:`_finish` (the
    backbone is done: return the (B, K) new labels and a (B,) per-sample statistic to log) and
    :meth:`_release` (drop whatever was attached)."""
    priority = 'NORMAL'
    log_key = None  # message-hub key of the logged mean statistic
    config_error = ValueError

    def __init__(self):
        self.model = None
        self._handles = []
        self._stats = []
        self._samples = None  # data samples of the watched batch, set by the preprocessor hook
        self._record = None
        self._checked_augments = None  # the batch augments object last checked

    # ---- subclass interface ----------------------------------------------------------------
    def _setup(self, model):
        raise NotImplementedError

    def _start(self, record):
        raise NotImplementedError

    def _finish(self, record):
        raise NotImplementedError

    def _release(self):
        raise NotImplementedError

    def _release_all(self):
        """Training stops (validation, test, its end): remove whatever :meth:`_start` installed.
        Defaults to :meth:`_release`."""
        self._release()

    # ---- mmengine hook points --------------------------------------------------------------
    def before_train(self, runner):
        name = type(self).__name__
        others = [type(h).__name__ for h in runner.hooks
                  if isinstance(h, MixedLabelHook) and h is not self]
        if others:
            raise self.config_error(f'{name} and {", ".join(others)} all rewrite the mixed '
                                    'label; configure only one of them')
        model = get_ori_model(runner.model)
        self.model = model
        self._check_augments()
        self._setup(model)

    def _check_augments(self):
        augments = self.model.data_preprocessor.batch_augments
        if augments is not self._checked_augments:
            check_mix_recording(self.model, type(self).__name__, self.config_error)
            self._checked_augments = augments

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._detach()
        self._check_augments()  # an identity test unless the augments were replaced
        self._handles = [
            self.model.data_preprocessor.register_forward_hook(self._on_preprocessed),
            self.model.backbone.register_forward_hook(self._on_backbone_done),
        ]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._detach()
        if self._stats:
            # One host sync per iteration, after the step (the logger syncs there anyway).
            stats = self._stats
            mean = stats[0] if len(stats) == 1 else torch.stack(stats).mean()
            runner.message_hub.update_scalar(self.log_key, float(mean))
            self._stats = []

    def before_val(self, runner):
        self._detach(everything=True)

    def before_test(self, runner):
        self._detach(everything=True)

    def after_train(self, runner):
        self._detach(everything=True)

    # ---- the watched forward pass ----------------------------------------------------------
    def _detach(self, everything=False):
        while self._handles:
            self._handles.pop().remove()
        self._end_batch()
        if everything and self.model is not None:
            self._release_all()

    def _end_batch(self):
        if self.model is not None:
            self._release()
        self._samples = None
        self._record = None

    def _on_preprocessed(self, module, args, output):
        samples = output.get('data_samples')
        self._end_batch()
        record = MixRecord.from_data_samples(samples)
        if record is not None:
            self._samples, self._record = samples, record
            self._start(record)

    def _on_backbone_done(self, module, args, output):
        if self._samples is None:
            return
        scores, stat = self._finish(self._record)
        # Direct field write: set_gt_score re-validates every sample, which costs more host
        # time than the label work itself on a fast GPU.
        # (``detach`` only where there is a graph to cut: each is one more dispatched op.)
        if scores.requires_grad:
            scores = scores.detach()
        for sample, score in zip(self._samples, scores.unbind(0)):
            sample.set_field(score, 'gt_score', dtype=torch.Tensor)
        stat = stat.abs().mean()
        self._stats.append(stat.detach() if stat.requires_grad else stat)
        self._end_batch()
