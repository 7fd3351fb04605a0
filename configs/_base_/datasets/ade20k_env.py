# mmseg's ADE20K pipeline (512x512 random crops of images resized to 2048x512 x [0.5, 2]) with the
# dataset folder taken from $ADE20K_ROOT (default data/ade/ADEChallengeData2016, the folder holding
# images/ and annotations/). 8 GPUs x 2 images = batch 16, as in mmseg's 8xb2 recipes.
_base_ = ['mmseg::_base_/datasets/ade20k.py']

data_root = '{{$ADE20K_ROOT:data/ade/ADEChallengeData2016}}'
train_dataloader = dict(batch_size=2, dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=1, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
