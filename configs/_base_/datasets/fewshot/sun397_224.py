# SUN397 (397 scenes) through mmpretrain's `SUN397`, 224 px (ELEVATER set).
# Root: $SUN397_ROOT (default data/SUN397), laid out as mmpretrain's `SUN397` documents.
_base_ = ['../fgvc/fgvc_224.py']

fgvc_num_classes = 397
data_root = '{{$SUN397_ROOT:data/SUN397}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='SUN397', data_root=data_root, split='train',
    pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='SUN397', data_root=data_root, split='test',
    pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
