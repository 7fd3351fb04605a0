from .text_embedding_head import TextEmbeddingClsHead, TextEmbeddingError
from .token_labeling_head import TokenLabelingHead
from .token_targets import TokenTargetError

__all__ = ['TextEmbeddingClsHead', 'TextEmbeddingError', 'TokenLabelingHead',
           'TokenTargetError']
