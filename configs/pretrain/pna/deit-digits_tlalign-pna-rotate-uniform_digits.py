# TL-Align and PNA together on the tiny digits DeiT: token-CutMix with traced labels for the
# positives, P-Rotate negatives with the uniform loss. The negatives are in the batch the
# TL-Align hook traces (with their own rows of the mix record); only the positives' traced
# labels reach the classification loss.
_base_ = ['../deit/deit-digits_tlalign_digits.py']

data_preprocessor = dict(
    type='NegativeViewDataPreprocessor',
    negative_view=dict(type='PatchRotate', patch_size={{_base_.deit_digits_patch_size}}))
model = dict(type='NegativeAugmentClassifier', neg_loss=dict(type='NegativeUniformLoss'),
             neg_weight=1.0)
