# CIFAR-100 as the KAdaptation authors' few-shot protocol reads it: 5 training images per class
# drawn with a seed (`KShotDataset`; seeds 0/1/2, mean reported; `part='train'/'val'` for the sweep
# of tools/peft/sweep_few_shot.py) and their deterministic CLIP preprocessing for training and
# testing (clip_center_crop.py). Batch 64.
_base_ = ['../fgvc/cifar100_224.py', './clip_center_crop.py']

train_dataloader = dict(
    batch_size=64,
    dataset=dict(_delete_=True, type='KShotDataset', shots=5, seed=0,
                 num_classes={{_base_.fgvc_num_classes}},
                 dataset=dict(type='CIFAR100', data_root={{_base_.data_root}},
                              split='train', pipeline={{_base_.clip_center_crop}})))
val_dataloader = dict(batch_size=64, dataset=dict(pipeline={{_base_.clip_center_crop}}))
test_dataloader = val_dataloader
