# CLIP ViT-B/32 KAdaptation (n=32, scale 160, dropout 0.5) on CUB-200-2011 (full training
# split), one GPU x 64.
# The four transfer methods share this file's dataset, schedule and runtime; only the model
# base differs (configs/_base_/models/peft/clip_vit-b-p32_<method>.py).
#   python tools/train.py configs/peft/clip-vit-b32_kadaptation_cub-224.py
# Backbone: mmpretrain's CLIP checkpoint (`pretrained` in the model base; --cfg-options
# pretrained=PATH for a local copy). Data: $CUB_ROOT (default data/CUB_200_2011).
_base_ = [
    '../_base_/datasets/fgvc/cub_224.py',
    '../_base_/models/peft/clip_vit-b-p32_kadaptation.py',
    '../_base_/schedules/peft_sgd_cosine.py',
    '../_base_/fgvc_runtime.py',
]
data_preprocessor = dict(mean={{_base_.clip_mean}}, std={{_base_.clip_std}})
model = dict(head=dict(num_classes={{_base_.fgvc_num_classes}}))
train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=1e-2))
