"""TL-Align during training: the loss sees the traced (aligned) label, not the area ratio.

For each training iteration the hook
1. reads the mix record the preprocessor put on the data samples,
2. traces token labels through the backbone's attention during the forward pass, and
3. before the head computes its loss, replaces each sample's ``gt_score`` by the aligned label
   (detached; the head's own loss, e.g. ``LabelSmoothLoss``, smooths it once).
Tracing is attached only inside training iterations: validation and inference run the stock
backbone untouched.
"""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...alignment import MixRecordSource, build_tracer
from ...augments import MixRecord
from .mix_setup import check_mix_recording, unwrap_model


class TLAlignConfigError(ValueError):
    """The model is not set up so that TL-Align can see the mix."""


@HOOKS.register_module()
class TLAlignHook(Hook):
    """Args:
        label_mode (str): ``'scalar'`` (exact two-source form, cheapest) or ``'kdim'``.
        kernel (str): how attention is formed while tracing: ``'auto'`` (``'fused'`` on
            CPU, ``'sdpa'`` on GPU), ``'explicit'``, ``'fused'`` or ``'sdpa'``; see
            :mod:`tlalign_mm.alignment.vit`.
    """
    priority = 'NORMAL'

    def __init__(self, label_mode='scalar', kernel='auto'):
        self.label_mode = label_mode
        self.kernel = kernel
        MixRecordSource(None, label_mode)  # validates label_mode now, not at iteration 1
        self.tracer = None
        self._handles = []
        self._gaps = []
        self._samples = None  # data samples of the traced batch, set by the preprocessor hook
        self._source = None

    def before_train(self, runner):
        model = unwrap_model(runner)
        check_mix_recording(model, 'TLAlignHook', TLAlignConfigError)
        self.model = model
        self.tracer = build_tracer(model.backbone, kernel=self.kernel)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._detach()
        self._handles = [
            self.model.data_preprocessor.register_forward_hook(self._on_preprocessed),
            self.model.backbone.register_forward_hook(self._on_backbone_done),
        ]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._detach()
        if self._gaps:
            # One host sync per iteration, after the step (the logger syncs there anyway).
            gap = float(torch.stack(self._gaps).mean())
            runner.message_hub.update_scalar('train/align_gap', gap)
            self._gaps = []

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
        if self.tracer is not None:
            self.tracer.detach()
        self._samples = None

    def _on_preprocessed(self, module, args, output):
        samples = output.get('data_samples')
        record = MixRecord.from_data_samples(samples)
        self.tracer.detach()
        self._samples = None
        if record is not None:
            self._source = MixRecordSource(record, self.label_mode)
            self._samples = samples
            self.tracer.attach(self._source)

    def _on_backbone_done(self, module, args, output):
        if self._samples is None:
            return
        final = self.tracer.summary_label()
        aligned = self._source.image_label(final).detach()
        # Direct field write: set_gt_score re-validates every sample, which costs more host
        # time than the tracing itself on a fast GPU.
        for sample, score in zip(self._samples, aligned.unbind(0)):
            sample.set_field(score, 'gt_score', dtype=torch.Tensor)
        own_share = self._source.own_share(final)
        self._gaps.append((own_share - self._source.record.lam).abs().mean().detach())
        self.tracer.detach()
        self._samples = None
