# PNA on DeiT-S / ImageNet-1k with the L2 (logit-space) negative loss: the negative's
# probabilities pushed away from the positive's (un-squared L2 norm), P-Rotate, lambda_neg = 1.
#   bash tools/dist_train.sh configs/pretrain/pna/deit-small_pna-rotate-l2_8xb128_in1k.py 8
_base_ = ['./deit-small_pna-rotate-uniform_8xb128_in1k.py']
model = dict(neg_loss=dict(_delete_=True, type='NegativeL2Loss'))
