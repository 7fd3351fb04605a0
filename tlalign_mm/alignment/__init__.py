"""Token-label alignment: the tracer contract, the registered tracers and ``align_labels``.

Importing this package registers the built-in tracers (ViT/DeiT, Swin); a tracer for another
backbone registers itself with :func:`register_tracer` when its module is imported.
"""
from . import iformer, swin, vit  # noqa: F401  (registration)
from . import lvvit  # noqa: F401  (registration)
from .api import align_labels
from .label_sources import ExplicitSource, MixRecordSource
from .tracer import (LabelTracer, UnsupportedBackboneError, build_tracer, register_tracer,
                     registered_tracers)

__all__ = [
    'align_labels', 'build_tracer', 'register_tracer', 'registered_tracers', 'LabelTracer',
    'ExplicitSource', 'MixRecordSource', 'UnsupportedBackboneError'
]
