"""Token labeling's data side: the score-map store and the transforms that carry it."""
from .augmented_crop import ScoreMapAugmentedCrop
from .score_map_store import ScoreMapError, ScoreMapStore, ScoreMapWriter
from .score_map_transforms import (LoadScoreMap, ScoreMapRandAugment, ScoreMapRandomFlip,
                                   ScoreMapRandomResizedCrop, TokenLabelTargets)

__all__ = ['ScoreMapError', 'ScoreMapStore', 'ScoreMapWriter', 'LoadScoreMap',
           'ScoreMapRandAugment', 'ScoreMapAugmentedCrop', 'ScoreMapRandomFlip',
           'ScoreMapRandomResizedCrop', 'TokenLabelTargets']
