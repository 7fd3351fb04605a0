# TL-Align x token labeling on the digits data, no annotator: MixToken, and the labels traced
# through every block's attention are the targets — each patch token's traced label the dense
# target, the class token's the class target (TokenLabelAlignHook).
_base_ = [
    '../../_base_/models/lvvit_digits.py',
    '../../_base_/datasets/digits_imagenet.py',
    '../../_base_/schedules/digits_adamw.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

data_preprocessor = dict(type='MixRecordingDataPreprocessor')

custom_hooks = [dict(type='TokenLabelAlignHook', label_mode='scalar')]
train_cfg = dict(max_epochs=30, val_interval=10)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=False)
