# TL-Align: tiny iFormer on the digits data; pixel CutMix that records its box, and the loss uses
# the mean final-stage label traced through every block's low-frequency attention (2x2-pooled in
# stages 1-2), channel-share blend and stage transition (docs/iformer.md).
_base_ = ['./iformer-digits_cutmix_digits.py']

data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(train_cfg=dict(augments=[dict(type='AlignedCutMix', alpha=1.0)]))
custom_hooks = [dict(type='TLAlignHook', label_mode='scalar')]
