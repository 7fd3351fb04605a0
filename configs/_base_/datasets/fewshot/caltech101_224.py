# Caltech-101 (101 objects + background = 102 classes in mmpretrain's `Caltech101`), 224 px
# (ELEVATER set). Root: $CALTECH101_ROOT (default data/caltech-101), laid out as mmpretrain's
# `Caltech101` documents.
_base_ = ['../fgvc/fgvc_224.py']

fgvc_num_classes = 102
data_root = '{{$CALTECH101_ROOT:data/caltech-101}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='Caltech101', data_root=data_root, split='train',
    pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='Caltech101', data_root=data_root, split='test',
    pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
