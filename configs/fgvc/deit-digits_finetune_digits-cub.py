# Fine-grained transfer on the CUB-200-2011-format digits (a different rendering domain from the
# pre-training digits): mmpretrain's CUB dataset and recipe shape, full fine-tuning of the tiny
# DeiT. The benchmark sets model.backbone.init_cfg to the pre-training checkpoint.
_base_ = [
    'mmpretrain::_base_/datasets/cub_bs8_448.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/models/deit_digits.py',
    '../_base_/datasets/digits_cls_pipelines.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

data_root = '{{$TLALIGN_DATA_ROOT:data}}/digits_cub'
data_preprocessor = dict(num_classes=10)
train_dataloader = dict(
    batch_size=32,
    dataset=dict(data_root=data_root, metainfo=dict(classes={{_base_.digits_classes}}),
                 pipeline={{_base_.digits_train_pipeline}}))
val_dataloader = dict(
    batch_size=64,
    dataset=dict(data_root=data_root, metainfo=dict(classes={{_base_.digits_classes}}),
                 pipeline={{_base_.digits_test_pipeline}}))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),
                     clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=0),
]
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(type='CheckpointHook', interval=8, max_keep_ckpts=1))
randomness = dict(seed=0)
