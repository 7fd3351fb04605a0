from .mix_recording_preprocessor import MixRecordingDataPreprocessor
from .negative_view_preprocessor import NegativeViewDataPreprocessor

__all__ = ['MixRecordingDataPreprocessor', 'NegativeViewDataPreprocessor']
