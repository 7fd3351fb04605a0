# TL-Align x token labeling on the digits data, no annotator: MixToken, and the labels traced
# through every block's attention are the targets — each patch token's traced label the dense
# target, the class token's the class target (TokenLabelAlignHook). The token-labeling digits
# config without its score maps.
_base_ = ['./lvvit-digits_token-labeling_digits.py']

train_dataloader = dict(dataset=dict(pipeline={{_base_.digits_train_pipeline}}))
custom_hooks = [dict(type='TokenLabelAlignHook', label_mode='scalar')]
