# CIFAR-10 (10 classes) through mmpretrain's `CIFAR10`, upsampled to 224 px (ELEVATER set); the
# same pipelines as the CIFAR-100 transfer base (arrays come RGB: no channel swap).
# Root: $CIFAR10_ROOT (default data/cifar10) holding the python-version batches.
_base_ = ['../fgvc/cifar100_224.py']

fgvc_num_classes = 10
data_root = '{{$CIFAR10_ROOT:data/cifar10}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(type='CIFAR10', data_root=data_root))
val_dataloader = dict(dataset=dict(type='CIFAR10', data_root=data_root))
test_dataloader = val_dataloader
