"""TransMix during training: the baseline arm that re-weights CutMix labels by class attention.

For each training iteration the hook
1. reads the mix record that ``MixRecordingDataPreprocessor`` put on the data samples (the inputs
   are stock CutMix/Mixup: ``AlignedCutMix`` / ``AlignedMixup`` only add the record),
2. captures the last block's head-averaged class-token attention to the patches during the
   forward pass, and
3. before the head computes its loss, replaces each CutMix sample's ``gt_score`` by the TransMix
   label, own-image share ½(λ_area + λ_attn) (detached; the head's loss smooths it once).
Mixup samples keep their label bit for bit. Capture is attached only inside training iterations:
validation and inference run the stock backbone. The math is in
:mod:`tlalign_mm.alignment.transmix`; ``train/transmix_shift`` logs mean |λ_target − λ_area|.
"""
import dataclasses

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...alignment.class_attention import LastBlockClassAttention
from ...alignment.propagation import own_fraction_on_grid
from ...alignment.transmix import attention_own_share, cut_rows, transmix_lambda
from ...augments import MixRecord
from .mix_setup import check_mix_recording, unwrap_model
from .tl_align_hook import TLAlignConfigError, TLAlignHook


class TransMixConfigError(TLAlignConfigError):
    """The model is not set up so that TransMix can see the mix (a TLAlignConfigError, so the
    tools report it the same way)."""


@HOOKS.register_module()
class TransMixHook(Hook):
    """TransMix label re-weighting (Chen et al., CVPR 2022) on mmpretrain ViT/DeiT; no arguments."""
    priority = 'NORMAL'

    def __init__(self):
        self.capture = None
        self.model = None
        self._handles = []
        self._shifts = []
        self._samples = None  # data samples of the captured batch, set by the preprocessor hook
        self._record = None

    def before_train(self, runner):
        model = unwrap_model(runner)
        check_mix_recording(model, 'TransMixHook', TransMixConfigError)
        if any(isinstance(h, TLAlignHook) for h in runner.hooks):
            raise TransMixConfigError(
                'TransMixHook and TLAlignHook both rewrite the mixed label; use one of them')
        self.model = model
        self.capture = LastBlockClassAttention(model.backbone)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._detach()
        self._handles = [
            self.model.data_preprocessor.register_forward_hook(self._on_preprocessed),
            self.model.backbone.register_forward_hook(self._on_backbone_done),
        ]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._detach()
        if self._shifts:
            # One host sync per iteration, after the step (the logger syncs there anyway).
            shift = float(torch.stack(self._shifts).mean())
            runner.message_hub.update_scalar('train/transmix_shift', shift)
            self._shifts = []

    def before_val(self, runner):
        self._detach()

    def before_test(self, runner):
        self._detach()

    def after_train(self, runner):
        self._detach()

    def _detach(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self.capture is not None:
            self.capture.detach()
        self._samples = None
        self._record = None

    def _on_preprocessed(self, module, args, output):
        samples = output.get('data_samples')
        self.capture.detach()
        self._samples = None
        self._record = MixRecord.from_data_samples(samples)
        if self._record is not None:
            self._samples = samples
            self.capture.attach()

    def _on_backbone_done(self, module, args, output):
        if self._samples is None:
            return
        record = self._record
        own = own_fraction_on_grid(record.own_mask, self.model.backbone.patch_embed,
                                   self.capture.grid_hw)
        lam_attn = attention_own_share(self.capture.attention, own)
        lam = transmix_lambda(record.lam, lam_attn, cut_rows(record.own_mask)).detach()
        # Same arithmetic as the augment's own label, so Mixup rows come out bit-identical.
        scores = dataclasses.replace(record, lam=lam).mixed_score()
        # Direct field write, as TLAlignHook does (set_gt_score re-validates every sample).
        for sample, score in zip(self._samples, scores.unbind(0)):
            sample.set_field(score, 'gt_score', dtype=torch.Tensor)
        self._shifts.append((lam - record.lam).abs().mean())
        self.capture.detach()
        self._samples = None
        self._record = None
