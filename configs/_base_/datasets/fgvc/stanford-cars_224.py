# Stanford Cars (196 car models; 8,144 train / 8,041 test images) through mmpretrain's
# `StanfordCars`. Root: $STANFORD_CARS_ROOT (default data/Stanford_Cars) holding either
# car_ims/ + cars_annos.mat, or cars_train/, cars_test/ and devkit/ (with
# cars_test_annos_withlabels.mat) as released.
_base_ = ['./fgvc_224.py']

fgvc_num_classes = 196
data_root = '{{$STANFORD_CARS_ROOT:data/Stanford_Cars}}'
data_preprocessor = dict(num_classes=fgvc_num_classes)
train_dataloader = dict(dataset=dict(
    type='StanfordCars', data_root=data_root, split='train',
    pipeline={{_base_.fgvc_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    type='StanfordCars', data_root=data_root, split='test',
    pipeline={{_base_.fgvc_test_pipeline}}))
test_dataloader = val_dataloader
