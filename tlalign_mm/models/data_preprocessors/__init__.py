from .mix_recording_preprocessor import MixRecordingDataPreprocessor

__all__ = ['MixRecordingDataPreprocessor']
