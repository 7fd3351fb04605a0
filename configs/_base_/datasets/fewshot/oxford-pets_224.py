# Oxford-IIIT Pets (37 breeds) through mmpretrain's `OxfordIIITPet`, 224 px (ELEVATER set).
# Root: $OXFORD_PETS_ROOT (default data/Oxford-IIIT_Pets), laid out as mmpretrain's
# `OxfordIIITPet` documents.
_base_ = ['../fgvc/fgvc_224.py']

fgvc_num_classes = 37
data_root = '{{$OXFORD_PETS_ROOT:data/Oxford-IIIT_Pets}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='OxfordIIITPet', data_root=data_root, split='trainval',
    pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='OxfordIIITPet', data_root=data_root, split='test',
    pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
