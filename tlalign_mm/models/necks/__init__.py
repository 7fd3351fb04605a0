from .image_text_projection import ImageTextProjection
from .lvvit_side_layers import LVViTSideLayers

__all__ = ['ImageTextProjection', 'LVViTSideLayers']
