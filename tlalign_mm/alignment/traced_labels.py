"""TL-Align's label rewriter: the label each token carries after the backbone's attention.

The tracer registered for the model's backbone (:func:`~.tracer.build_tracer`) moves the mix
record's per-token own-image share (``scalar``, exact for two sources) or full K-dim labels
(``kdim``) through every block; the image label is the traced summary (the class token's, or the
pooled tokens'). The conversion from the traced form to K-class labels is the label source's
(:class:`~.label_sources.MixRecordSource`), for the image and, with ``token_labels=True``, for
every token (TL-Align x token labeling's dense targets).
"""
import torch

from .label_rewriter import LabelRewriter, RewrittenLabels, register_rewriter
from .label_sources import MixRecordSource
from .tracer import build_tracer


@register_rewriter
class TracedLabels(LabelRewriter):
    """Args:
        label_mode: ``'scalar'`` (exact two-source form, cheapest) or ``'kdim'``.
        kernel: how attention is formed while tracing (``'auto'``: ``'riding'`` on CPU,
            ``'sdpa'`` on GPU; see :mod:`tlalign_mm.alignment.vit`).
        compile_backbone: wrap the backbone's ``forward`` in ``torch.compile`` (a dict: its
            keyword arguments) when prepared; only the backbone (docs/tl_align.md).
        token_labels: also return every patch token's traced label.
    """
    log_key = 'train/align_gap'

    def __init__(self, label_mode: str = 'scalar', kernel: str = 'auto',
                 compile_backbone=False, token_labels: bool = False):
        MixRecordSource(None, label_mode)  # validates label_mode now, not at iteration 1
        self.label_mode = label_mode
        self.kernel = kernel
        self.compile_backbone = compile_backbone
        self.token_labels = token_labels
        self.tracer = None
        self.source = None
        self.record = None

    def prepare(self, model):
        self.tracer = build_tracer(model.backbone, kernel=self.kernel)
        if self.compile_backbone and 'forward' not in vars(model.backbone):  # not twice
            options = self.compile_backbone if isinstance(self.compile_backbone, dict) else {}
            model.backbone.forward = torch.compile(model.backbone.forward, **options)

    def begin(self, record):
        self.record = record
        self.source = MixRecordSource(record, self.label_mode)
        self.tracer.attach(self.source)

    def finish(self):
        final = self.tracer.summary_label()
        tokens = (self.source.token_labels(self.tracer.token_labels())
                  if self.token_labels else None)
        labels = RewrittenLabels(self.source.image_label(final), tokens,
                                 self.source.own_share(final) - self.record.lam)
        # The batch ends; the tracer's hooks stay installed for the next one.
        self.tracer.release()
        self.source = self.record = None
        return labels

    def close(self):
        if self.tracer is not None:
            self.tracer.detach()
        self.source = self.record = None
