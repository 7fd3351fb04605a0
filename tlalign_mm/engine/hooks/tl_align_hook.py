"""TL-Align during training: the loss sees the traced (aligned) label, not the area ratio.

For each training iteration the hook
1. reads the mix record the preprocessor put on the data samples,
2. traces token labels through the backbone's attention during the forward pass, and
3. before the head computes its loss, replaces each sample's ``gt_score`` by the aligned label
   (detached; the head's own loss, e.g. ``LabelSmoothLoss``, smooths it once).
The tracer is installed at the first mixed batch and stays installed through the training
iterations (between batches it sees no source and the backbone runs stock); it is removed before
validation and test and at the end of training, which run the stock backbone untouched.
"""
import torch
from mmengine.registry import HOOKS

from ...alignment import MixRecordSource, build_tracer
from .mixed_label_hook import MixedLabelHook


class TLAlignConfigError(ValueError):
    """The model is not set up so that TL-Align can see the mix."""


@HOOKS.register_module()
class TLAlignHook(MixedLabelHook):
    """Args:
        label_mode (str): ``'scalar'`` (exact two-source form, cheapest) or ``'kdim'``.
        kernel (str): how attention is formed while tracing: ``'auto'`` (``'riding'`` on
            CPU, ``'sdpa'`` on GPU), ``'explicit'``, ``'fused'``, ``'riding'`` or ``'sdpa'``; see
            :mod:`tlalign_mm.alignment.vit`; each tracer accepts the values it honours.

        compile_backbone (bool | dict): wrap the backbone's ``forward`` in ``torch.compile``
            (a dict: its keyword arguments) before training. Only the backbone: mmengine's own
            ``compile=True`` also compiles the optimizer step, which dynamo cannot trace on
            this torch (docs/tl_align.md, "torch.compile"). The module itself, its state dict
            and the hooks around its call are untouched. Defaults to False.

    Logs ``train/align_gap``, the mean |aligned λ − area λ| of each iteration.
    """
    log_key = 'train/align_gap'
    config_error = TLAlignConfigError

    def __init__(self, label_mode='scalar', kernel='auto', compile_backbone=False):
        super().__init__()
        self.label_mode = label_mode
        self.kernel = kernel
        self.compile_backbone = compile_backbone
        MixRecordSource(None, label_mode)  # validates label_mode now, not at iteration 1
        self.tracer = None
        self._source = None

    def _setup(self, model):
        self.tracer = build_tracer(model.backbone, kernel=self.kernel)
        if self.compile_backbone and 'forward' not in vars(model.backbone):  # not twice
            options = self.compile_backbone if isinstance(self.compile_backbone, dict) else {}
            model.backbone.forward = torch.compile(model.backbone.forward, **options)

    def _start(self, record):
        self._source = MixRecordSource(record, self.label_mode)
        self.tracer.attach(self._source)

    def _finish(self, record):
        final = self.tracer.summary_label()
        return self._source.image_label(final), self._source.own_share(final) - record.lam

    def _release(self):
        # The end of one batch: the tracer's hooks stay installed for the next iteration.
        self.tracer.release()
        self._source = None

    def _release_all(self):
        self.tracer.detach()
        self._source = None
