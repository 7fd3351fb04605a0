# DeiT-S on ImageNet-1k, the TL-Align authors' recipe with plain area-ratio CutMix: the controlled
# ablation that deit-small_tlalign_8xb128_in1k.py differs from only in how the CutMix label is
# computed. (The published DeiT-S baseline, 79.8, uses Mixup + CutMix:
# deit-small_mixup-cutmix_8xb128_in1k.py.)
# 8 GPUs x 128 = 1024 batch, AdamW lr 1e-3 (5e-4 x bs/512), wd 0.05, cosine, 5 warm-up epochs,
# drop path 0.1, RandAugment m9-mstd0.5, random erasing 0.25, repeated augmentation,
# label smoothing 0.1, CutMix alpha=1 on every batch, Mixup off, no gradient clipping, 300 epochs,
# fp16 AMP.
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

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=5),
]
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
auto_scale_lr = dict(base_batch_size=1024)

# Paper-scale run settings (docs/reproduction.md): fp16 mixed precision with dynamic loss scaling,
# as the authors' and Swin's own runs (tools/train.py swaps in bf16 autocast where no CUDA device
# exists; plain fp32 with --cfg-options optim_wrapper.type=OptimWrapper); a checkpoint every epoch,
# only the newest 3 kept (enough to resume), plus the best by validation top-1, which is the number
# the authors report; the last epoch's is reported beside it.
# No gradient clipping: neither DeiT nor the TL-Align authors clip (mmpretrain's deit-small config
# adds max_norm 5).
optim_wrapper = dict(type='AmpOptimWrapper', optimizer=dict(lr=5e-4 * 1024 / 512), clip_grad=None)
default_hooks = dict(
    checkpoint=dict(max_keep_ckpts=3, save_best='accuracy/top1', rule='greater'))
