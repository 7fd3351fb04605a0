# iFormer-S on ImageNet-1k, the authors' recipe (Inception Transformer, Si et al. 2022: 83.4
# top-1 at 224, 20M parameters): batch 1024 (8 GPUs x 128), AdamW lr 1e-3, wd 0.05, 5 warm-up
# epochs, cosine to 1e-6 at epoch 300 + 10 cool-down epochs, drop path 0.2, no gradient clipping,
# no EMA, Mixup 0.8 or CutMix 1.0 per batch (switch probability 0.5), RandAugment m9-mstd0.5,
# random erasing 0.25 (per-pixel), label smoothing 0.1; testing: resize to 248 (crop_pct 0.9),
# centre crop 224, bicubic. Deviation: bicubic training resize (the authors pick bilinear or
# bicubic at random).
#   bash tools/dist_train.sh configs/pretrain/iformer/iformer-small_mixup-cutmix_8xb128_in1k.py 8
# ImageNet folder: $IMAGENET_ROOT (default data/imagenet) with train/, val/, meta/{train,val}.txt.
_base_ = [
    '../../_base_/models/iformer_in1k.py',
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    '../../_base_/schedules/iformer_adamw_310e.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

imagenet_root = '{{$IMAGENET_ROOT:data/imagenet}}'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=248, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=128, num_workers=8, dataset=dict(data_root=imagenet_root))
val_dataloader = dict(batch_size=128, num_workers=8,
                      dataset=dict(data_root=imagenet_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

# A checkpoint every epoch, the newest 3 kept (enough to resume) plus the best by validation
# top-1; fp16 AMP (bf16 autocast on a CPU-only machine through tools/train.py).
optim_wrapper = dict(type='AmpOptimWrapper')
default_hooks = dict(
    checkpoint=dict(max_keep_ckpts=3, save_best='accuracy/top1', rule='greater'))
