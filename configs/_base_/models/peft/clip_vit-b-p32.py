# CLIP ViT-B/32 image encoder as mmpretrain builds it (configs/clip/vit-base-p32_pt-64xb64_in1k.py
# of mmpretrain: VisionTransformer arch 'b', 32 px patches, CLIP's pre-norm), a linear class-token
# head. `pretrained` is mmpretrain's converted OpenAI CLIP checkpoint (ImageNet-1k fine-tuned by
# timm, the only CLIP ViT-B/32 classifier mmpretrain ships); only its backbone.* keys are used.
# Leaf configs set head.num_classes and CLIP's normalisation (clip_mean/clip_std below).
clip_mean = [122.770938, 116.7460125, 104.09373615]
clip_std = [68.5005327, 66.6321579, 70.32316305]
pretrained = ('https://download.openmmlab.com/mmclassification/v0/clip/'
              'clip-vit-base-p32_openai-pre_3rdparty_in1k_20221220-a0182ba9.pth')
clip_backbone = dict(
    type='VisionTransformer',
    arch='b',
    img_size=224,
    patch_size=32,
    pre_norm=True,
    drop_rate=0.0,
    out_type='cls_token')
model = dict(
    type='ImageClassifier',
    backbone=dict(clip_backbone, init_cfg=dict(type='Pretrained', checkpoint=pretrained,
                                               prefix='backbone.')),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        in_channels=768,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
    ),
)
# Every transfer config records its trainable-parameter count next to its accuracy.
custom_hooks = [dict(type='TrainableParamsHook')]
