# The tiny iFormer arch shared by the digits pre-training, segmentation and detection configs, so a
# pre-training checkpoint loads into every downstream backbone key for key.
# Four stages as the real model (stride-4 conv stem, 3x3 stride-2 transitions), one block each but
# two in stage 3, 32-channel heads; the attention share ramps from 1 of 2 heads (stages 1-2, on
# the 2x2-pooled grid) to 3 of 4. On 32 px digits: 8x8 -> 4x4 -> 2x2 -> 1x1 tokens.
iformer_digits_arch = dict(depths=[1, 1, 2, 1], embed_dims=[64, 64, 96, 128],
                           num_heads=[2, 2, 3, 4], attention_heads=[1, 1, 1, 2, 3])
iformer_digits_channels = [64, 64, 96, 128]  # per stage
