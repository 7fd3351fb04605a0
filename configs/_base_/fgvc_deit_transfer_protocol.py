# DeiT's transfer protocol for full fine-tuning (the DeiT authors' setting for CIFAR and Stanford
# Cars, facebookresearch/deit issue #45): batch 768 (8 GPUs x 96), SGD lr 0.01 with weight decay
# 1e-4, 1000 epochs, and every other element of the ImageNet training kept: 5 warm-up epochs from
# lr 1e-6, cosine to 1e-5, RandAugment rand-m9-mstd0.5-inc1, Mixup 0.8 / CutMix 1.0 switched 50/50
# per batch, label smoothing 0.1 (the model bases' LabelSmoothLoss), repeated augmentation (3
# repeats) and fp16 autocast; only random erasing and stochastic depth are removed (the model
# bases set drop_path_rate=0). timm's 'sgd', which DeiT's script builds, is Nesterov SGD with
# momentum 0.9. The weight-decay exemptions (norms, biases, embeddings) are the short schedule's.
# A leaf uses the three variables below for its model's batch mixing, its sampler and its train
# pipeline (CIFAR's arrays come RGB and unloaded: fgvc_deit_cifar_train_pipeline).
_base_ = ['./schedules/fgvc_finetune.py']

optim_wrapper = dict(type='AmpOptimWrapper', optimizer=dict(nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 0.01, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=5,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=1000, val_interval=50)

fgvc_deit_batch_augments = dict(
    augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)], probs=[0.5, 0.5])
fgvc_deit_sampler = dict(type='RepeatAugSampler', shuffle=True, num_repeats=3)
# RandAugment fills the pixels it exposes with the ImageNet mean: BGR for images loaded from
# files, RGB for CIFAR's arrays.
fgvc_deit_rand_augment = dict(
    type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
    magnitude_level=9, magnitude_std=0.5,
    hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic'))
fgvc_deit_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    fgvc_deit_rand_augment,
    dict(type='PackInputs'),
]
fgvc_deit_cifar_train_pipeline = [
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(fgvc_deit_rand_augment, hparams=dict(pad_val=[124, 116, 104], interpolation='bicubic')),
    dict(type='PackInputs'),
]
