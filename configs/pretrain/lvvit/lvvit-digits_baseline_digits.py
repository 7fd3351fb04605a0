# Baseline without token labeling: the tiny LV-ViT on the digits data, class token only
# (mmpretrain ImageClassifier + LinearClsHead) and plain area-ratio CutMix; the schedule of the
# token-labeling arms.
_base_ = ['./lvvit-digits_token-labeling_digits.py']

data_preprocessor = dict(type='ClsDataPreprocessor')
model = dict(
    type='ImageClassifier',
    backbone=dict(out_type='cls_token'),
    head=dict(_delete_=True, type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    train_cfg=dict(augments=[dict(type='CutMix', alpha=1.0)], _delete_=True),
)
train_dataloader = dict(dataset=dict(pipeline={{_base_.digits_train_pipeline}}))
