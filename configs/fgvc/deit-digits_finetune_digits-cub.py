# Fine-grained transfer on the CUB-200-2011-format digits (a different rendering domain from the
# pre-training digits): mmpretrain's CUB dataset and recipe shape, full fine-tuning of the tiny
# DeiT. `--cfg-options pretrained=CKPT` starts the backbone from a pre-training checkpoint.
_base_ = [
    'mmpretrain::_base_/datasets/cub_bs8_448.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/models/deit_digits.py',
    '../_base_/datasets/digits_cls_pipelines.py',
    '../_base_/schedules/digits_adamw.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = None  # path of an mmpretrain classifier checkpoint (prefix 'backbone.')

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

# Fine-tuning: the digits schedule at half the pre-training learning rate. 40 epochs (400
# iterations, ~15 s): the new rendering domain needs them; at 8 epochs every arm sat near chance.
optim_wrapper = dict(optimizer=dict(lr=5e-4))
train_cfg = dict(max_epochs=40, val_interval=40)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(type='CheckpointHook', interval=40, max_keep_ckpts=1))
randomness = dict(seed=0)
