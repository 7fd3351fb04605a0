"""Choose the label tracer for a backbone, refusing (never silently skipping) unknown ones."""
from .vit import ViTLabelTracer


class UnsupportedBackboneError(ValueError):
    """TL-Align has no label tracer for this backbone type.

    A ValueError, not a TypeError: mmengine re-raises TypeErrors from hooks as bare TypeErrors.
    """


def _tracer_types():
    from mmpretrain.models.backbones import SwinTransformer, VisionTransformer

    from .swin import SwinLabelTracer
    return {VisionTransformer: ViTLabelTracer, SwinTransformer: SwinLabelTracer}


def build_tracer(backbone, kernel='auto'):
    for backbone_type, tracer_type in _tracer_types().items():
        if isinstance(backbone, backbone_type):
            return tracer_type(backbone, kernel=kernel)
    supported = ', '.join(t.__name__ for t in _tracer_types())
    raise UnsupportedBackboneError(
        f'TL-Align cannot trace labels through {type(backbone).__module__}.'
        f'{type(backbone).__name__}; supported backbones: {supported}')
