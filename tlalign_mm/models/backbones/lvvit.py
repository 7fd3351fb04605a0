"""LV-ViT (Jiang et al., "All Tokens Matter: Token Labeling for Training Better Vision
Transformers", NeurIPS 2021) as an mmpretrain backbone.

What makes it LV-ViT rather than ViT: a convolutional stem (7×7/2 → 3×3 → 3×3 convs, each
without bias and followed by BN + ReLU, then a patch projection whose kernel equals its stride),
MLP ratio 3, no qkv bias, and a re-scaled residual ``x ← x + DropPath(f(LN x)) / λ_res`` in both
sub-blocks, which keeps deep stacks stable at the authors' large learning rate.

Attention is mmpretrain's own ``MultiheadAttention`` (its switchable
``scaled_dot_product_attention`` kernel is what the TL-Align tracer swaps), the MLP is mmcv's
``FFN``; only the block wiring and the stem are new here. The state-dict keys follow mmpretrain's
``VisionTransformer`` (``layers.i.ln1``, ``layers.i.attn.qkv``, ``ln1`` as the final norm), so
``tools/model_converters/lvvit_to_mmpretrain.py`` maps the authors' timm-style keys one to one.
"""
import numpy as np
import torch
from mmcv.cnn import ConvModule, build_norm_layer
from mmcv.cnn.bricks.drop import build_dropout
from mmcv.cnn.bricks.transformer import FFN
from mmengine.model import BaseModule, ModuleList
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.utils import MultiheadAttention, resize_pos_embed, to_2tuple
from mmpretrain.registry import MODELS
from torch import nn

from ...errors import check_choice


class ConvStemPatchEmbed(BaseModule):
    """Conv stem + patch projection; returns ``(tokens (B, N, C), (Hp, Wp))`` like mmpretrain's
    ``PatchEmbed``, so hooks written for ViT's patch embedding (MixToken, the tracer) fit it.

    Args:
        embed_dims (int): token width.
        stem_channels (int): width of the three stem convs (64 for T/S/M, 128 for L).
        patch_size (int): overall stride; the stem has stride 2, so the projection's kernel and
            stride are ``patch_size // 2``. Defaults to 16.
        in_channels (int): input channels. Defaults to 3.
    """

    def __init__(self, embed_dims, stem_channels=64, patch_size=16, in_channels=3,
                 init_cfg=None):
        super().__init__(init_cfg)
        if patch_size % 2 or patch_size < 2:
            raise ValueError(f'LV-ViT patch_size must be an even number >= 2, got {patch_size}')
        conv = dict(norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'), bias=False)
        self.stem = nn.Sequential(
            ConvModule(in_channels, stem_channels, 7, stride=2, padding=3, **conv),
            ConvModule(stem_channels, stem_channels, 3, stride=1, padding=1, **conv),
            ConvModule(stem_channels, stem_channels, 3, stride=1, padding=1, **conv))
        proj = patch_size // 2
        self.projection = nn.Conv2d(stem_channels, embed_dims, proj, stride=proj)
        self.patch_size = patch_size

    def forward(self, x):
        x = self.projection(self.stem(x))
        return x.flatten(2).transpose(1, 2), tuple(x.shape[-2:])


class LVViTBlock(BaseModule):
    """Pre-LN transformer block with the re-scaled residual of LV-ViT.

    Args:
        embed_dims (int), num_heads (int), feedforward_channels (int): block shape.
        res_scale (float): λ_res, the divisor of both residual branches. Defaults to 1.
        drop_path_rate (float): stochastic depth of this block. Defaults to 0.
        drop_rate (float): dropout after attention projection / inside the MLP. Defaults to 0.
        attn_drop_rate (float): attention dropout. Defaults to 0.
        norm_cfg (dict): LayerNorm config; LV-ViT uses eps 1e-5.
    """

    def __init__(self, embed_dims, num_heads, feedforward_channels, res_scale=1.0,
                 drop_path_rate=0., drop_rate=0., attn_drop_rate=0.,
                 norm_cfg=dict(type='LN', eps=1e-5), init_cfg=None):
        super().__init__(init_cfg)
        self.res_scale = float(res_scale)
        self.ln1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = MultiheadAttention(
            embed_dims=embed_dims, num_heads=num_heads, attn_drop=attn_drop_rate,
            proj_drop=drop_rate, qkv_bias=False, proj_bias=True)
        self.ln2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(embed_dims=embed_dims, feedforward_channels=feedforward_channels,
                       num_fcs=2, ffn_drop=drop_rate, dropout_layer=None,
                       act_cfg=dict(type='GELU'), add_identity=False)
        self.drop_path = build_dropout(dict(type='DropPath', drop_prob=drop_path_rate))

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.ln1(x))) / self.res_scale
        return x + self.drop_path(self.ffn(self.ln2(x))) / self.res_scale


@MODELS.register_module()
class LVViT(BaseBackbone):
    """LV-ViT backbone.

    Args:
        arch (str | dict): ``'t'``, ``'s'``, ``'m'``, ``'l'`` or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads``, ``feedforward_channels``, ``res_scale`` and
            ``stem_channels``. Defaults to ``'s'``.
        img_size (int | tuple): size the position embedding is made for; other input sizes
            resize it (bicubic) on the fly, and checkpoints of another size are resized on load.
        patch_size (int): overall stride of the stem. Defaults to 16.
        in_channels (int): input channels. Defaults to 3.
        out_indices (int | Sequence[int]): blocks whose output is returned. Defaults to -1.
        out_type (str): ``'raw'`` (B, 1+N, C) all tokens — what the token-labeling head reads;
            ``'cls_token'`` (B, C); ``'featmap'`` (B, C, Hp, Wp) patch tokens, for dense tasks;
            ``'avg_featmap'`` (B, C) mean patch token. Defaults to ``'raw'``.
        final_norm (bool): apply the final LayerNorm (``ln1``) to the last block's output.
        drop_rate, attn_drop_rate (float): dropout rates. Default to 0.
        drop_path_rate (float): stochastic depth of the last block (linear from 0).
        norm_cfg (dict): LayerNorm config. Defaults to eps 1e-5.
        interpolate_mode (str): position-embedding resize mode. Defaults to ``'bicubic'``.
        frozen_stages (int): freeze the stem, position embedding and the first blocks.
        init_cfg (dict | list, optional): None (default) for LV-ViT's trunc-normal init.
    """
    arch_zoo = {
        't': dict(embed_dims=240, num_layers=12, num_heads=4, feedforward_channels=720,
                  res_scale=1.0, stem_channels=64),
        's': dict(embed_dims=384, num_layers=16, num_heads=6, feedforward_channels=1152,
                  res_scale=2.0, stem_channels=64),
        'm': dict(embed_dims=512, num_layers=20, num_heads=8, feedforward_channels=1536,
                  res_scale=2.0, stem_channels=64),
        'l': dict(embed_dims=768, num_layers=24, num_heads=12, feedforward_channels=2304,
                  res_scale=3.0, stem_channels=128),
    }
    OUT_TYPES = ('raw', 'cls_token', 'featmap', 'avg_featmap')
    num_extra_tokens = 1

    def __init__(self, arch='s', img_size=224, patch_size=16, in_channels=3, out_indices=-1,
                 out_type='raw', final_norm=True, drop_rate=0., attn_drop_rate=0.,
                 drop_path_rate=0., norm_cfg=dict(type='LN', eps=1e-5),
                 interpolate_mode='bicubic', frozen_stages=-1, init_cfg=None):
        super().__init__(init_cfg)
        self.arch_settings = self._arch_settings(arch)
        check_choice('LVViT out_type', out_type, self.OUT_TYPES)
        settings = self.arch_settings
        self.embed_dims = settings['embed_dims']
        self.num_layers = settings['num_layers']
        self.out_type = out_type
        self.final_norm = final_norm
        self.interpolate_mode = interpolate_mode
        self.frozen_stages = frozen_stages

        self.patch_embed = ConvStemPatchEmbed(self.embed_dims, settings['stem_channels'],
                                              patch_size, in_channels)
        img_size = to_2tuple(img_size)
        self.patch_resolution = (img_size[0] // patch_size, img_size[1] // patch_size)
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, self.embed_dims))
        self.drop_after_pos = nn.Dropout(p=drop_rate)
        self._register_load_state_dict_pre_hook(self._resize_loaded_pos_embed)

        self.out_indices = self._out_indices(out_indices)
        rates = np.linspace(0, drop_path_rate, self.num_layers)
        self.layers = ModuleList(
            LVViTBlock(self.embed_dims, settings['num_heads'],
                       settings['feedforward_channels'], settings['res_scale'],
                       float(rates[i]), drop_rate, attn_drop_rate, norm_cfg)
            for i in range(self.num_layers))
        self.ln1 = build_norm_layer(norm_cfg, self.embed_dims)[1] if final_norm else None
        self._freeze_stages()

    def _arch_settings(self, arch):
        if isinstance(arch, str):
            if arch.lower() not in self.arch_zoo:
                raise ValueError(f'LVViT arch {arch!r} is not one of {sorted(self.arch_zoo)}')
            return dict(self.arch_zoo[arch.lower()])
        missing = set(self.arch_zoo['s']) - set(arch)
        if missing:
            raise ValueError(f'LVViT arch dict lacks {sorted(missing)}')
        return dict(arch)

    def _out_indices(self, out_indices):
        if isinstance(out_indices, int):
            out_indices = [out_indices]
        resolved = []
        for index in out_indices:
            resolved.append(index + self.num_layers if index < 0 else index)
            if not 0 <= resolved[-1] < self.num_layers:
                raise ValueError(f'LVViT out_indices {index} outside 0..{self.num_layers - 1}')
        return resolved

    def init_weights(self):
        """LV-ViT's init (trunc-normal 0.02) unless ``init_cfg`` says otherwise: a Pretrained
        checkpoint, or any other init (``init_cfg=[]`` keeps PyTorch's defaults, which tiny
        models on tiny data leave their loss plateau with far sooner)."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        trunc_normal_(self.pos_embed, std=0.02)
        trunc_normal_(self.cls_token, std=0.02)
        for module in self.layers.modules():
            if isinstance(module, nn.Linear):
                trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def _resize_loaded_pos_embed(self, state_dict, prefix, *args, **kwargs):
        """A checkpoint made at another image size gets its position embedding resized."""
        name = prefix + 'pos_embed'
        if name not in state_dict or state_dict[name].shape == self.pos_embed.shape:
            return
        side = int(np.sqrt(state_dict[name].shape[1] - self.num_extra_tokens))
        state_dict[name] = resize_pos_embed(state_dict[name], (side, side),
                                            self.patch_resolution, self.interpolate_mode,
                                            self.num_extra_tokens)

    def _freeze_stages(self):
        if self.frozen_stages < 0:
            return
        frozen = [self.patch_embed, *self.layers[:self.frozen_stages]]
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False
        self.pos_embed.requires_grad = False
        self.cls_token.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        return self

    def forward(self, x):
        tokens, grid_hw = self.patch_embed(x)
        cls_token = self.cls_token.expand(tokens.size(0), -1, -1)
        x = torch.cat([cls_token, tokens], dim=1)
        x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, grid_hw,
                                 mode=self.interpolate_mode,
                                 num_extra_tokens=self.num_extra_tokens)
        x = self.drop_after_pos(x)
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == self.num_layers - 1 and self.ln1 is not None:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(self._format_output(x, grid_hw))
        return tuple(outs)

    def _format_output(self, x, grid_hw):
        if self.out_type == 'raw':
            return x
        if self.out_type == 'cls_token':
            return x[:, 0]
        patches = x[:, self.num_extra_tokens:]
        if self.out_type == 'avg_featmap':
            return patches.mean(dim=1)
        return patches.reshape(x.size(0), *grid_hw, -1).permute(0, 3, 1, 2).contiguous()

    def get_layer_depth(self, param_name, prefix=''):
        """Layer id for layer-wise lr decay: stem/embeddings 0, block i → i + 1."""
        num_layers = self.num_layers + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        if name in ('cls_token', 'pos_embed') or name.startswith('patch_embed'):
            return 0, num_layers
        if name.startswith('layers'):
            return int(name.split('.')[1]) + 1, num_layers
        return num_layers - 1, num_layers
