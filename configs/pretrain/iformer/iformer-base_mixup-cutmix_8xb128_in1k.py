# iFormer-B on ImageNet-1k, the authors' recipe (84.6 top-1 at 224, 48M parameters): the
# iFormer-S recipe (iformer-small_mixup-cutmix_8xb128_in1k.py) with drop path 0.4, cosine to a
# minimum lr of 1e-5, gradient clipping at norm 1.0 and repeated augmentation (each image three
# times per epoch: the authors' `aug_repeats: 3`, timm's RepeatAugSampler as mmpretrain's).
#   bash tools/dist_train.sh configs/pretrain/iformer/iformer-base_mixup-cutmix_8xb128_in1k.py 8
_base_ = ['./iformer-small_mixup-cutmix_8xb128_in1k.py']
min_lr = 1e-5
model = dict(backbone=dict(arch='base', drop_path_rate=0.4), head=dict(in_channels=512))
optim_wrapper = dict(clip_grad=dict(max_norm=1.0))
train_dataloader = dict(sampler=dict(type='RepeatAugSampler', shuffle=True, num_repeats=3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=min_lr, by_epoch=True, begin=5, end=300,
         convert_to_iter_based=True),
]
