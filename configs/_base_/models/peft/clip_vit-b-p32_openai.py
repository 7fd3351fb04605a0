# Raw CLIP ViT-B/32 (OpenAI's release, not fine-tuned on ImageNet), classified on its 512-d
# image-text embedding as the KAdaptation authors do (their ELEVATER `Classifier`): the image
# tower (mmpretrain VisionTransformer with CLIP's pre-norm, QuickGELU and LayerNorm eps 1e-5),
# CLIP's projection (`ImageTextProjection`, frozen unless the image tower trains), then
# `TextEmbeddingClsHead`: BatchNorm1d(affine=False) and a linear layer that starts from the class
# names' text embeddings. Leaf configs set head.num_classes and head.text_embeddings.
# `pretrained`: OpenAI's weights converted by tools/model_converters/openai_clip_to_mmpretrain.py
# (docs/peft.md says how to get them).
clip_mean = [122.770938, 116.7460125, 104.09373615]
clip_std = [68.5005327, 66.6321579, 70.32316305]
pretrained = 'checkpoints/clip-vit-b-p32_openai.pth'
clip_backbone = dict(
    type='VisionTransformer',
    arch='b',
    img_size=224,
    patch_size=32,
    pre_norm=True,
    drop_rate=0.0,
    norm_cfg=dict(type='LN', eps=1e-5),
    layer_cfgs=dict(act_cfg=dict(type='QuickGELU')),
    out_type='cls_token')
model = dict(
    type='ImageClassifier',
    backbone=dict(clip_backbone, init_cfg=dict(type='Pretrained', checkpoint=pretrained,
                                               prefix='backbone.')),
    neck=dict(type='ImageTextProjection', in_channels=768, out_channels=512, frozen=True,
              init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='neck.')),
    head=dict(
        type='TextEmbeddingClsHead',
        in_channels=512,
        channel_norm=True,
        normalize_features=False,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
    ),
)
custom_hooks = [dict(type='TrainableParamsHook')]
