# TransMix: tiny DeiT on the digits data; per batch CutMix (alpha=1) or Mixup (alpha=0.8) with
# probability 0.5 each, and each CutMix label re-weighted by the last block's class attention,
# own-image share (area lambda + attention lambda) / 2.
_base_ = ['./deit-digits_cutmix_digits.py']

data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(
    train_cfg=dict(
        augments=[dict(type='AlignedCutMix', alpha=1.0), dict(type='AlignedMixup', alpha=0.8)],
        probs=[0.5, 0.5]))
custom_hooks = [dict(type='TransMixHook')]
