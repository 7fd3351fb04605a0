# Baseline without token labeling: the tiny LV-ViT on the digits data, class token only
# (mmpretrain ImageClassifier + LinearClsHead) and plain area-ratio CutMix, the same schedule
# as the token-labeling arms.
_base_ = [
    '../../_base_/models/lvvit_digits.py',
    '../../_base_/datasets/digits_imagenet.py',
    '../../_base_/schedules/digits_adamw.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

model = dict(
    type='ImageClassifier',
    backbone=dict(out_type='cls_token'),
    head=dict(_delete_=True, type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    train_cfg=dict(augments=[dict(type='CutMix', alpha=1.0)]),
)
train_cfg = dict(max_epochs=30, val_interval=10)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=False)
