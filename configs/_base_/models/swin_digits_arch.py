# The tiny Swin arch shared by the digits pre-training, segmentation and detection configs, so a
# pre-training checkpoint loads into every downstream backbone key for key.
# 32 px digits, 4 px patches (Swin's own): an 8x8 token grid in 2x2 windows of 4, one plain and
# one shifted block, then patch merging to 4x4 (one window: mmpretrain drops the shift there
# unless pad_small_map=True, as the dense-prediction configs set).
swin_digits_arch = dict(embed_dims=32, depths=[2, 2], num_heads=[2, 4])
swin_digits_patch_size = 4
swin_digits_window_size = 4
swin_digits_channels = [32, 64]  # per stage
