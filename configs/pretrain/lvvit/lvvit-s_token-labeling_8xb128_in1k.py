# LV-ViT-S with token labeling on ImageNet-1k, the authors' recipe (83.3 top-1 at 224 px).
#   TOKEN_LABEL_ROOT=/path/to/score_maps IMAGENET_ROOT=/path/to/imagenet \
#   bash tools/dist_train.sh configs/pretrain/lvvit/lvvit-s_token-labeling_8xb128_in1k.py 8
# Score maps: any mmpretrain classifier as the annotator (docs/token_labeling.md), e.g.
#   python tools/token_labeling/make_score_maps.py ANNOTATOR_CONFIG CKPT --out $TOKEN_LABEL_ROOT
# AdamW, lr 1.6e-3 at total batch 1024 scaled linearly by this config's total batch (gpus x
# per_gpu below: change them together, the lr follows), wd 0.05, 5 warm-up epochs, cosine to
# 1e-5 over 300 epochs + 10 cool-down epochs at 1e-5, RandAugment m9-mstd0.5, random erasing 0.25,
# label smoothing 0.1, EMA 0.99992, drop path 0.1, MixToken (replaces CutMix and Mixup),
# test crop ratio 0.9 bicubic; loss = 1.0 CE(cls) + 1.0 mean CE(tokens).
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

imagenet_root = '{{$IMAGENET_ROOT:data/imagenet}}'
token_label_root = '{{$TOKEN_LABEL_ROOT:data/imagenet_score_maps}}'
arch, embed_dims, drop_path_rate = 's', 384, 0.1
img_size, test_crop_ratio = 224, 0.9
gpus, per_gpu = 8, 128
base_lr, base_batch = 1.6e-3, 1024
total_batch = gpus * per_gpu
lr = base_lr * total_batch / base_batch
num_classes = 1000

data_preprocessor = dict(type='MixRecordingDataPreprocessor', num_classes=num_classes)
model = dict(
    type='TokenLabelingClassifier',
    backbone=dict(type='LVViT', arch=arch, img_size=img_size, out_type='raw',
                  drop_path_rate=drop_path_rate),
    neck=None,
    head=dict(type='TokenLabelingHead', num_classes=num_classes, in_channels=embed_dims,
              cls_weight=1.0, dense_weight=1.0,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    train_cfg=dict(augments=[dict(type='MixToken', alpha=1.0, token_size=16)]),
)

bgr_mean = [103.53, 116.28, 123.675]
bgr_std = [57.375, 57.12, 58.395]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadScoreMap', root=token_label_root, num_classes=num_classes),
    dict(type='ScoreMapRandomFlip', prob=0.5, direction='horizontal'),
    # RandAugment on the whole image, then the crop (the authors' order), computed where the
    # crop looks: the same result as ScoreMapRandAugment followed by ScoreMapRandomResizedCrop.
    dict(type='ScoreMapAugmentedCrop',
         rand_augment=dict(policies='timm_increasing', num_policies=2, total_level=10,
                           magnitude_level=9, magnitude_std=0.5,
                           hparams=dict(pad_val=[round(x) for x in bgr_mean],
                                        interpolation='bicubic')),
         crop=dict(scale=img_size, backend='pillow', interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=bgr_std),
    dict(type='TokenLabelTargets', grid_size=img_size // 16, num_classes=num_classes),
    dict(type='PackInputs', algorithm_keys=('token_logits', 'token_classes')),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=int(img_size / test_crop_ratio), edge='short',
         backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=per_gpu, num_workers=8, persistent_workers=True,
    dataset=dict(data_root=imagenet_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=per_gpu, num_workers=8, persistent_workers=True,
    dataset=dict(data_root=imagenet_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=lr, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999)),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0, custom_keys={
        '.cls_token': dict(decay_mult=0.0), '.pos_embed': dict(decay_mult=0.0)}),
)
# Cool-down: no scheduler is active after epoch 300, so the lr stays at the cosine's 1e-5.
min_lr, warmup_epochs, cosine_epochs, cooldown_epochs = 1e-5, 5, 300, 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=min_lr, by_epoch=True, begin=warmup_epochs,
         end=cosine_epochs, T_max=cosine_epochs - warmup_epochs, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=cosine_epochs + cooldown_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# The lr above already follows total_batch; --auto-scale-lr rescales it for another GPU count.
auto_scale_lr = dict(base_batch_size=total_batch)
custom_hooks = [dict(type='EMAHook', momentum=1 - 0.99992, priority='ABOVE_NORMAL')]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                    save_best='accuracy/top1', rule='greater'))
