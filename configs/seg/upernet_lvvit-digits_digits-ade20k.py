# UperNet on the ADE20K-format digits with the tiny LV-ViT backbone (configs/_base_/models/
# lvvit_digits_arch.py, stride 8): the LV-ViT seg recipe in miniature. Any LV-ViT-digits
# classifier checkpoint loads into it: `--cfg-options pretrained=CKPT`.
_base_ = ['./upernet_deit-digits_digits-ade20k.py', '../_base_/models/lvvit_digits_arch.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.LVViT',
        arch={{_base_.lvvit_digits_arch}},
        img_size=32,
        patch_size={{_base_.lvvit_digits_patch_size}},
        out_indices=(0, 1, 2, 3),
        out_type='featmap',
        final_norm=False,
        drop_path_rate=0.0),
)
