from .image_text_projection import ImageTextProjection

__all__ = ['ImageTextProjection']
