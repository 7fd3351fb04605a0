# The tiny DeiT-shaped arch shared by the digits pre-training, segmentation and detection configs,
# so a pre-training checkpoint loads into every downstream backbone key for key.
# 8 px patches: on 32 px digits a 4 px patch holds a stroke fragment and the ViT sits on its
# loss plateau for hundreds of CPU steps; 8 px patches leave it in about a hundred.
deit_digits_arch = dict(embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=128)
deit_digits_patch_size = 8
