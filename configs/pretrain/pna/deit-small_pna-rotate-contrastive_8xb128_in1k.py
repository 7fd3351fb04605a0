# PNA on DeiT-S / ImageNet-1k with the supervised contrastive (representation-space) negative
# loss on the head's pre-logits (cosine similarity, temperature 0.1), every negative view an extra
# candidate; P-Rotate, lambda_neg = 1. The authors' recommended loss.
#   bash tools/dist_train.sh configs/pretrain/pna/deit-small_pna-rotate-contrastive_8xb128_in1k.py 8
_base_ = ['./deit-small_pna-rotate-uniform_8xb128_in1k.py']
model = dict(neg_loss=dict(_delete_=True, type='NegativeContrastiveLoss', temperature=0.1))
