# Describable Textures (47 classes) through mmpretrain's `DTD`, 224 px (ELEVATER set).
# Root: $DTD_ROOT (default data/dtd), laid out as mmpretrain's `DTD` documents.
_base_ = ['../fgvc/fgvc_224.py']

fgvc_num_classes = 47
data_root = '{{$DTD_ROOT:data/dtd}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='DTD', data_root=data_root, split='trainval',
    pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='DTD', data_root=data_root, split='test',
    pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
