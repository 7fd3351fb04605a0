# CIFAR-100 (100 classes; 50,000 train / 10,000 test) through mmpretrain's `CIFAR100`, upsampled
# from 32 px to the backbones' 224 px as in DeiT's transfer experiments. Root: $CIFAR100_ROOT
# (default data/cifar100) holding cifar-100-python/; mmpretrain downloads it there when missing.
# The images come as RGB arrays, not files: no LoadImageFromFile and no BGR->RGB swap, but the
# same ImageNet normalisation as the pre-training.
_base_ = ['./fgvc_224.py']

fgvc_num_classes = 100
data_root = '{{$CIFAR100_ROOT:data/cifar100}}'
data_preprocessor = dict(num_classes=fgvc_num_classes, to_rgb=False)
cifar_train_pipeline = [
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
cifar_test_pipeline = [
    dict(type='Resize', scale=(224, 224), backend='pillow', interpolation='bicubic'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(
    type='CIFAR100', data_root=data_root, split='train', pipeline=cifar_train_pipeline))
val_dataloader = dict(dataset=dict(
    type='CIFAR100', data_root=data_root, split='test', pipeline=cifar_test_pipeline))
test_dataloader = val_dataloader
