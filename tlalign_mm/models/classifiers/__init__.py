from .negative_augment_classifier import (NegativeAugmentClassifier,
                                        NegativeAugmentConfigError)

__all__ = ['NegativeAugmentClassifier', 'NegativeAugmentConfigError']
from .token_labeling_classifier import TokenLabelingClassifier  # noqa: F401
