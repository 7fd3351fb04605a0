# Oxford Flowers-102 (102 species) through mmpretrain's `Flowers102`, with the usual transfer
# protocol: train on train+val (2,040 images), test on the 6,149-image test split.
# Root: $FLOWERS102_ROOT (default data/Flowers102) holding jpg/, imagelabels.mat and setid.mat.
_base_ = ['./fgvc_224.py']

fgvc_num_classes = 102
data_root = '{{$FLOWERS102_ROOT:data/Flowers102}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='Flowers102', data_root=data_root, split='trainval',
    pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='Flowers102', data_root=data_root, split='test',
    pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
