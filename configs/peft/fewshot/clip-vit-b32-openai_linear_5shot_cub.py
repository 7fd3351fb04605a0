# 5-shot CUB-200-2011 with a linear probe of raw CLIP ViT-B/32, the KAdaptation authors' protocol
# (docs/peft.md, "Few-shot protocol"): the 512-d image-text embedding, a BatchNorm1d + linear head
# initialised from the class names' text embeddings, constant-lr SGD, centre crops. Sweep lr and
# weight decay, then the final run: tools/peft/sweep_few_shot.py THIS_CONFIG --work-dir DIR.
# Another seed: --cfg-options train_dataloader.dataset.seed=1 randomness.seed=1. Needs `pretrained`
# (OpenAI's weights, converted) and `text_embeddings` (tools/peft/make_text_embeddings.py).
_base_ = [
    '../../_base_/datasets/fewshot/cub_5shot_clip-center-crop.py',
    '../../_base_/models/peft/clip_vit-b-p32_openai_linear.py',
    '../../_base_/schedules/peft_sgd_constant.py',
    '../../_base_/fgvc_runtime.py',
]
text_embeddings = 'data/text_embeddings/cub_clip-vit-b32.pth'
data_preprocessor = dict(mean={{_base_.clip_mean}}, std={{_base_.clip_std}})
model = dict(head=dict(num_classes={{_base_.fgvc_num_classes}}, text_embeddings=text_embeddings))
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=0.0))
