# FGVC-Aircraft 2013b (100 variants) through mmpretrain's `FGVCAircraft`, with the usual
# transfer protocol: train on trainval (6,667 images), test on test (3,333).
# Root: $FGVC_AIRCRAFT_ROOT (default data/fgvc-aircraft-2013b) holding data/images/ and
# data/images_variant_{trainval,test}.txt as released.
_base_ = ['./fgvc_224.py']

fgvc_num_classes = 100
data_root = '{{$FGVC_AIRCRAFT_ROOT:data/fgvc-aircraft-2013b}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='FGVCAircraft', data_root=data_root, split='trainval',
    pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='FGVCAircraft', data_root=data_root, split='test',
    pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
