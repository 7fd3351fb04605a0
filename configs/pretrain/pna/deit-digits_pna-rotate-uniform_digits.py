# PNA on the tiny digits DeiT (CPU, about a minute): the digits CutMix baseline
# (configs/pretrain/deit/deit-digits_cutmix_digits.py) plus P-Rotate negatives on the 8 px patch
# grid and the uniform negative loss, lambda_neg = 1.
#   python tools/train.py configs/pretrain/pna/deit-digits_pna-rotate-uniform_digits.py
_base_ = ['../deit/deit-digits_cutmix_digits.py']

data_preprocessor = dict(
    type='NegativeViewDataPreprocessor',
    negative_view=dict(type='PatchRotate', patch_size={{_base_.deit_digits_patch_size}}))
model = dict(type='NegativeAugmentClassifier', neg_loss=dict(type='NegativeUniformLoss'),
             neg_weight=1.0)
