"""Robustness evaluators, registered in mmpretrain's ``METRICS`` on import."""
from .corruption_accuracy import CorruptionAccuracy, CorruptionMetricError
from .subset_accuracy import SubsetAccuracy, SubsetMetricError

__all__ = ['CorruptionAccuracy', 'CorruptionMetricError', 'SubsetAccuracy', 'SubsetMetricError']
