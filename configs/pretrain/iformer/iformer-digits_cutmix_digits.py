# Baseline: tiny iFormer on the digits data with mmpretrain's plain (area-ratio) CutMix.
_base_ = [
    '../../_base_/models/iformer_digits.py',
    '../../_base_/datasets/digits_imagenet.py',
    '../../_base_/schedules/digits_adamw.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

model = dict(train_cfg=dict(augments=[dict(type='CutMix', alpha=1.0)]))
# As the authors' AdamW: no weight decay on one-dimensional parameters (biases, norms).
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(type='CheckpointHook', interval=4, max_keep_ckpts=2))
randomness = dict(seed=0, deterministic=False)
