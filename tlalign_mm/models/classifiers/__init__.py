from .negative_augment_classifier import (NegativeAugmentClassifier,
                                        NegativeAugmentConfigError)

__all__ = ['NegativeAugmentClassifier', 'NegativeAugmentConfigError']
