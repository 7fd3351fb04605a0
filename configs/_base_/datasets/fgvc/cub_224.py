# CUB-200-2011 (200 bird species; 5,994 train / 5,794 test images) through mmpretrain's `CUB`.
# Root: $CUB_ROOT (default data/CUB_200_2011) holding images/, images.txt,
# image_class_labels.txt and train_test_split.txt as released.
_base_ = ['./fgvc_224.py']

fgvc_num_classes = 200
data_root = '{{$CUB_ROOT:data/CUB_200_2011}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='CUB', data_root=data_root, split='train', pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='CUB', data_root=data_root, split='test', pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
