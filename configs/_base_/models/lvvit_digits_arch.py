# The tiny LV-ViT arch shared by the digits pre-training and segmentation configs, so a
# pre-training checkpoint loads into the segmentation backbone key for key: 4 blocks of width 64,
# re-scaled residual 2, stem width 16, overall stride 8 (a 4x4 token grid at 32 px, the grid of
# the digits DeiT teacher's score maps).
lvvit_digits_arch = dict(embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=192,
                         res_scale=2.0, stem_channels=16)
lvvit_digits_patch_size = 8
