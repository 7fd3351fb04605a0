from .token_labeling_head import TokenLabelingHead
from .token_targets import TokenTargetError

__all__ = ['TokenLabelingHead', 'TokenTargetError']
