# 5-shot transfer of CLIP ViT-B/32 with KAdaptation on CUB-200-2011 (the paper's protocol: 5 images
# per class drawn with a seed, seeds 0/1/2, mean reported). Another seed:
#   --cfg-options train_dataloader.dataset.seed=1 randomness.seed=1
# Another method: swap the model base for clip_vit-b-p32_{finetune,linear,lora}.py.
_base_ = [
    '../../_base_/datasets/fgvc/cub_224.py',
    '../../_base_/models/peft/clip_vit-b-p32_kadaptation.py',
    '../../_base_/schedules/peft_sgd_cosine.py',
    '../../_base_/fgvc_runtime.py',
]
data_preprocessor = dict(mean={{_base_.clip_mean}}, std={{_base_.clip_std}})
model = dict(head=dict(num_classes={{_base_.fgvc_num_classes}}))
train_dataloader = dict(
    batch_size=64,
    dataset=dict(_delete_=True, type='KShotDataset', shots=5, seed=0,
                 num_classes={{_base_.fgvc_num_classes}},
                 dataset={{_base_.train_dataloader.dataset}}))
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=1e-2))
