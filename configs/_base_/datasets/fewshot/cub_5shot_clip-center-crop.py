# CUB-200-2011 as the KAdaptation authors' few-shot protocol reads it: 5 training images per
# class drawn with a seed (`KShotDataset`; seeds 0/1/2, mean reported), and the same
# deterministic CLIP preprocessing for training and testing (resize the short side to 224,
# bicubic, centre crop 224: their `transform_clip`; no random augmentation). Batch 64.
_base_ = ['../fgvc/cub_224.py']

clip_center_crop = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    dataset=dict(_delete_=True, type='KShotDataset', shots=5, seed=0,
                 num_classes={{_base_.fgvc_num_classes}},
                 dataset=dict(type='CUB', data_root={{_base_.data_root}}, split='train',
                              pipeline=clip_center_crop)))
val_dataloader = dict(batch_size=64, dataset=dict(pipeline=clip_center_crop))
test_dataloader = val_dataloader
