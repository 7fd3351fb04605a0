"""TL-Align during training: the loss sees the traced (aligned) label, not the area ratio.

For each training iteration the hook
1. reads the mix record the preprocessor put on the data samples,
2. traces token labels through the backbone's attention during the forward pass, and
3. before the head computes its loss, replaces each sample's ``gt_score`` by the aligned label
   (detached; the head's own loss, e.g. ``LabelSmoothLoss``, smooths it once).
The tracer is installed at the first mixed batch and stays installed through the training
iterations (between batches it sees no source and the backbone runs stock); it is removed before
validation and test and at the end of training, which run the stock backbone untouched.

It is :class:`MixedLabelHook` with the :class:`~tlalign_mm.alignment.TracedLabels` rewriter,
kept under its own name so configs read ``dict(type='TLAlignHook', label_mode='kdim')``.
"""
from mmengine.registry import HOOKS

from ...alignment.label_rewriter import TLAlignConfigError  # noqa: F401  (its error family)
from ...alignment.traced_labels import TracedLabels
from .mixed_label_hook import MixedLabelHook


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
    token_labels = False  # TokenLabelAlignHook: every token's traced label too

    def __init__(self, label_mode: str = 'scalar', kernel: str = 'auto',
                 compile_backbone=False):
        super().__init__(TracedLabels(label_mode, kernel, compile_backbone,
                                      token_labels=self.token_labels))

    @property
    def tracer(self):
        """The label tracer of the model's backbone (built before training)."""
        return self.rewriter.tracer

    @property
    def label_mode(self) -> str:
        return self.rewriter.label_mode
