"""The one hook that rewrites a mixed batch's label during training, with any label rewriter.

TL-Align, TL-Align x token labeling and TransMix all watch one training forward pass: the data
preprocessor's output tells them the batch's mix record, the backbone's output is the moment to
write the new label (before the head computes its loss). What the labels are is the rewriter's
business (:mod:`tlalign_mm.alignment.label_rewriter`); this hook only drives its life cycle and
writes what it returns. Forward hooks on the preprocessor and the backbone exist only inside a
training iteration, so validation and inference run the stock model untouched.

Before training the hook checks that the model records its mixes and that no other
label-rewriting hook is configured (two would overwrite each other's label); it checks the batch
augments again whenever they are replaced during training (mmpretrain's ``SwitchRecipeHook``).
"""
from typing import List, Optional, Union

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmpretrain.utils import get_ori_model

from ...alignment.label_rewriter import LabelRewriter, build_rewriter
from ...augments import MixRecord
from .mix_setup import check_mix_recording


@HOOKS.register_module()
class MixedLabelHook(Hook):
    """Writes the labels a rewriter returns for every mixed training batch.

    Args:
        rewriter: the rewriter, or its config (``dict(type='TracedLabels', label_mode='kdim')``).

    Each mixed batch's ``gt_score`` becomes the rewriter's image label; where it returns token
    labels too, they are written as ``traced_token_score`` (the dense targets of
    :class:`~tlalign_mm.models.heads.TokenLabelingHead`). The mean absolute statistic is logged
    under the rewriter's ``log_key``, one value per iteration; the values stay on the device
    until the iteration the ``LoggerHook`` writes, so a traced step holds no host sync of its
    own (one ``tolist`` per logging interval).

    Public attributes while a mixed batch is in flight: ``batch_samples`` (its data samples)
    and ``batch_record`` (its mix record); ``None`` otherwise.
    """
    priority = 'NORMAL'

    def __init__(self, rewriter: Union[dict, LabelRewriter]):
        self.rewriter = build_rewriter(rewriter)
        self.model = None
        self.batch_samples: Optional[list] = None
        self.batch_record: Optional[MixRecord] = None
        self._handles = []
        self._stats: List[torch.Tensor] = []  # this iteration's statistics (device tensors)
        self._unlogged: List[torch.Tensor] = []  # one mean per iteration since the last log
        self._log_interval = 1
        self._checked_augments = None  # the batch augments object last checked

    @property
    def log_key(self) -> str:
        return self.rewriter.log_key

    # ---- mmengine hook points --------------------------------------------------------------
    def before_train(self, runner) -> None:
        """Refuse a second label-rewriting hook and a model that records no mix; prepare."""
        name = type(self).__name__
        others = [type(h).__name__ for h in runner.hooks
                  if isinstance(h, MixedLabelHook) and h is not self]
        if others:
            raise self.rewriter.config_error(
                f'{name} and {", ".join(others)} all rewrite the mixed label; configure only '
                'one of them')
        self.model = get_ori_model(runner.model)
        self.check_augments()
        self.rewriter.prepare(self.model)
        loggers = [h for h in runner.hooks if type(h).__name__ == 'LoggerHook']
        self._log_interval = loggers[0].interval if loggers else 1

    def check_augments(self) -> None:
        """Check the batch augments record their mixes (again only when they were replaced)."""
        augments = self.model.data_preprocessor.batch_augments
        if augments is not self._checked_augments:
            check_mix_recording(self.model, type(self).__name__, self.rewriter.config_error)
            self._checked_augments = augments

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        """Watch this iteration's preprocessor and backbone outputs."""
        self.remove_handles()
        self.check_augments()  # an identity test unless the augments were replaced
        self._handles = [
            self.model.data_preprocessor.register_forward_hook(self.on_preprocessed),
            self.model.backbone.register_forward_hook(self.on_backbone_done),
        ]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        """Stop watching; log the iteration's mean statistic."""
        self.remove_handles()
        if self.batch_samples is not None:  # a batch that never reached the backbone's end
            self.rewriter.close()
            self.batch_samples = self.batch_record = None
        if self._stats:
            stats = self._stats
            self._unlogged.append(stats[0] if len(stats) == 1 else torch.stack(stats).mean())
            self._stats = []
        # the LoggerHook's own rule: every `interval` iterations of the epoch, and its last one
        loader = getattr(runner, 'train_dataloader', None)
        if self._unlogged and (self.every_n_inner_iters(batch_idx, self._log_interval) or (
                loader is not None and self.end_of_epoch(loader, batch_idx))):
            self.flush_statistics(runner)

    def flush_statistics(self, runner) -> None:
        """Hand the iterations' statistics to the message hub (one host sync for all)."""
        for value in torch.stack(self._unlogged).tolist():
            runner.message_hub.update_scalar(self.log_key, value)
        self._unlogged = []

    def before_val(self, runner) -> None:
        self.close()

    def before_test(self, runner) -> None:
        self.close()

    def after_train(self, runner) -> None:
        if self._unlogged:
            self.flush_statistics(runner)
        self.close()

    def close(self) -> None:
        """Training stops: no handle, nothing of the rewriter left on the model."""
        self.remove_handles()
        self.batch_samples = self.batch_record = None
        self.rewriter.close()

    def remove_handles(self) -> None:
        while self._handles:
            self._handles.pop().remove()

    # ---- the watched forward pass ----------------------------------------------------------
    def on_preprocessed(self, module, args, output) -> None:
        """The preprocessor's forward hook: a batch with a mix record begins."""
        samples = output.get('data_samples')
        record = MixRecord.from_data_samples(samples)
        if record is None:  # an unmixed batch (RandomBatchAugment's remainder): stock labels
            self.batch_samples = self.batch_record = None
            return
        self.batch_samples, self.batch_record = samples, record
        self.rewriter.begin(record)

    def on_backbone_done(self, module, args, output) -> None:
        """The backbone's forward hook: write the rewriter's labels before the head's loss."""
        if self.batch_samples is None:
            return
        labels = self.rewriter.finish()
        self.write(self.batch_samples, labels.image, 'gt_score')
        if labels.tokens is not None:
            self.write(self.batch_samples, labels.tokens, 'traced_token_score')
        stat = labels.statistic.abs().mean()
        self._stats.append(stat.detach() if stat.requires_grad else stat)
        self.batch_samples = self.batch_record = None

    @staticmethod
    def write(samples, values: torch.Tensor, field: str) -> None:
        """Set ``field`` of every sample to its row of ``values`` (detached)."""
        # Direct field write: set_gt_score re-validates every sample, which costs more host
        # time than the label work itself on a fast GPU. (``detach`` only where there is a
        # graph to cut: each is one more dispatched op.)
        if values.requires_grad:
            values = values.detach()
        for sample, value in zip(samples, values.unbind(0)):
            sample.set_field(value, field, dtype=torch.Tensor)
