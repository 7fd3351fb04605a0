"""Token-label alignment: the tracer and label-rewriter contracts, the registered tracers (ViT /
DeiT, Swin, LV-ViT, iFormer) and rewriters (``TracedLabels`` for TL-Align, ``ClassAttentionLabels``
for TransMix), and the public ``align_labels`` / ``align_mixed_labels``.

Importing this package registers the built-in tracers and rewriters; a tracer for another
backbone registers itself with :func:`register_tracer`, a rewriter with
:func:`register_rewriter`, when its module is imported.
"""
from . import iformer, lvvit, swin, vit  # noqa: F401  (registration)
from .api import align_labels
from .class_attention_labels import ClassAttentionLabels, TransMixConfigError
from .label_rewriter import (LabelRewriter, RewrittenLabels, TLAlignConfigError,
                             align_mixed_labels, build_rewriter, register_rewriter)
from .label_sources import ExplicitSource, MixRecordSource
from .traced_labels import TracedLabels
from .tracer import (LabelTracer, UnsupportedBackboneError, build_tracer, register_tracer,
                     registered_tracers)

__all__ = [
    'align_labels', 'align_mixed_labels', 'build_rewriter', 'build_tracer', 'register_rewriter',
    'register_tracer', 'registered_tracers', 'ClassAttentionLabels', 'ExplicitSource',
    'LabelRewriter', 'LabelTracer', 'MixRecordSource', 'RewrittenLabels', 'TLAlignConfigError',
    'TracedLabels', 'TransMixConfigError', 'UnsupportedBackboneError'
]
