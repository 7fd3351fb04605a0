# PNA on the tiny digits DeiT with the supervised contrastive negative loss (temperature 0.1).
_base_ = ['./deit-digits_pna-rotate-uniform_digits.py']
model = dict(neg_loss=dict(_delete_=True, type='NegativeContrastiveLoss', temperature=0.1))
