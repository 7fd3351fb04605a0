# PNA on DeiT-S / ImageNet-1k: the CutMix recipe plus a P-Rotate negative view of every
# (augmented) training image, 16 px view patches (= the backbone's patch), and the uniform
# (label-space) negative loss with lambda_neg = 1. Every GPU forwards 2 x 128 images.
#   bash tools/dist_train.sh configs/pretrain/pna/deit-small_pna-rotate-uniform_8xb128_in1k.py 8
# Other views: --cfg-options data_preprocessor.negative_view.type=PatchShuffle (or PatchInfill);
# 32 px view patches: data_preprocessor.negative_view.patch_size=32.
_base_ = ['../deit/deit-small_cutmix_8xb128_in1k.py']

data_preprocessor = dict(type='NegativeViewDataPreprocessor',
                         negative_view=dict(type='PatchRotate', patch_size=16))
model = dict(type='NegativeAugmentClassifier', neg_loss=dict(type='NegativeUniformLoss'),
             neg_weight=1.0)
