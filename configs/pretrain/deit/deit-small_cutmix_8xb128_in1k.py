# DeiT-S on ImageNet-1k, the TL-Align authors' recipe with plain area-ratio CutMix: the baseline
# that deit-small_tlalign_8xb128_in1k.py differs from only in how the CutMix label is computed.
# 8 GPUs x 128 = 1024 batch, AdamW lr 1e-3 (5e-4 x bs/512), wd 0.05, cosine, 5 warm-up epochs,
# drop path 0.1, RandAugment m9-mstd0.5, random erasing 0.25, repeated augmentation,
# label smoothing 0.1, CutMix alpha=1 on every batch, Mixup off, 300 epochs.
#   bash tools/dist_train.sh configs/pretrain/deit/deit-small_cutmix_8xb128_in1k.py 8
# ImageNet folder: $IMAGENET_ROOT (default data/imagenet) with train/, val/, meta/{train,val}.txt.
_base_ = ['mmpretrain::deit/deit-small_4xb256_in1k.py']
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

imagenet_root = '{{$IMAGENET_ROOT:data/imagenet}}'
model = dict(
    backbone=dict(drop_path_rate=0.1),
    train_cfg=dict(augments=[dict(type='CutMix', alpha=1.0)]),
)
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(data_root=imagenet_root),
    sampler=dict(type='RepeatAugSampler', shuffle=True, num_repeats=3),
)
val_dataloader = dict(batch_size=128, num_workers=8, dataset=dict(data_root=imagenet_root))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=5e-4 * 1024 / 512))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=5),
]
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
auto_scale_lr = dict(base_batch_size=1024)
