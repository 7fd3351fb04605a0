# PNA on the tiny digits DeiT with the L2 negative loss (see deit-digits_pna-rotate-uniform).
_base_ = ['./deit-digits_pna-rotate-uniform_digits.py']
model = dict(neg_loss=dict(_delete_=True, type='NegativeL2Loss'))
