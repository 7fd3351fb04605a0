# iFormer-S fine-tuned at 384 px from its 224 px ImageNet-1k classifier, the authors' recipe
# (their checkpoint_384/iformer_small_384/args.yaml and README; 84.6 top-1 at 384): batch 512
# (8 GPUs x 64), AdamW lr 1e-5, wd 1e-8, no warm-up, cosine to 1e-6 over 20 epochs + 10
# cool-down epochs at that minimum (timm's cooldown_epochs: 30 in all), drop path 0.3, gradient
# clipping at norm 1.0, Mixup 0.1 or CutMix 0.1 per batch (switch probability 0.5), RandAugment
# m9-mstd0.5, random erasing 0.25, label smoothing 0.1, no repeated augmentation (S:
# aug_repeats 0); testing: resize 384 + centre crop 384 (crop_pct 1.0), bicubic.
# The whole 224 px classifier is loaded (the authors' --initial-checkpoint; `load_from`, not
# resumed): the position embeddings are resized to the 96x96 token grid as they load.
#   bash tools/dist_train.sh configs/pretrain/iformer/iformer-small_finetune-384px_8xb64_in1k.py 8 \
#       --cfg-options load_from=work_dirs/iformer-small_mixup-cutmix_8xb128_in1k/epoch_310.pth
_base_ = ['./iformer-small_mixup-cutmix_8xb128_in1k.py']
img_size = 384
lr, min_lr, cosine_epochs, cooldown_epochs = 1e-5, 1e-6, 20, 10
load_from = 'work_dirs/iformer-small_mixup-cutmix_8xb128_in1k/epoch_310.pth'

model = dict(
    backbone=dict(img_size=img_size, drop_path_rate=0.3),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.1), dict(type='CutMix', alpha=0.1)],
                   probs=[0.5, 0.5]))
bgr_mean = [103.53, 116.28, 123.675]
bgr_std = [57.375, 57.12, 58.395]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=img_size, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=bgr_std),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=img_size, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=64, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=lr, weight_decay=1e-8),
                     clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=min_lr, by_epoch=True, begin=0, end=cosine_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=cosine_epochs + cooldown_epochs)
auto_scale_lr = dict(base_batch_size=512)
