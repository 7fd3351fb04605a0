# The tiny DeiT-shaped arch shared by the digits pre-training, segmentation and detection configs,
# so a pre-training checkpoint loads into every downstream backbone key for key.
deit_digits_arch = dict(embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=128)
