from .api import align_labels
from .label_sources import ExplicitSource, MixRecordSource
from .tracers import UnsupportedBackboneError, build_tracer

__all__ = [
    'align_labels', 'build_tracer', 'ExplicitSource', 'MixRecordSource',
    'UnsupportedBackboneError'
]
