# Food-101 (101 classes) through mmpretrain's `Food101`, 224 px (ELEVATER set).
# Root: $FOOD101_ROOT (default data/food-101), laid out as mmpretrain's `Food101` documents.
_base_ = ['../fgvc/fgvc_224.py']

fgvc_num_classes = 101
data_root = '{{$FOOD101_ROOT:data/food-101}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='Food101', data_root=data_root, split='train',
    pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='Food101', data_root=data_root, split='test',
    pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
