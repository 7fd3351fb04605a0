"""iFormer, the Inception Transformer (Si et al., NeurIPS 2022), as an mmpretrain backbone.

Four stages of pre-LN blocks whose token mixer (:class:`InceptionMixer`) splits the channels
between local max-pool/depthwise-conv branches and global attention, with the attention's share
of the channels growing with depth (the "frequency ramp"). A conv stem of stride 4, a 3x3
stride-2 conv + BN between stages, one learned position embedding per stage. Any input size,
non-square included; ``out_indices`` gives LayerNorm-ed NCHW maps (strides 4-32) for the dense
necks, and with ``out_indices=(3, )`` + global pooling + a linear head it is the authors'
classifier. Authors' checkpoints convert with ``tools/model_converters/iformer_to_mmpretrain.py``.
"""
import torch
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.utils import LayerScale, to_2tuple
from mmpretrain.registry import MODELS
from torch import nn

from .inception_mixer import InceptionMixer

HEAD_DIMS = 32  # channels per attention head in every published arch


def _ramp(*runs):
    """Attention heads per block from (heads, blocks) runs."""
    return [heads for heads, blocks in runs for _ in range(blocks)]


class ConvStem(nn.Module):
    """3x3 stride-2 conv -> BN -> GELU -> 3x3 stride-2 conv -> BN (overall stride 4)."""

    def __init__(self, in_channels, dims):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, dims // 2, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(dims // 2)
        self.act = nn.GELU()
        self.conv2 = nn.Conv2d(dims // 2, dims, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(dims)

    def forward(self, x):
        return self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))


class ConvDownsample(nn.Module):
    """The stage transition: 3x3 stride-2 conv -> BN (NCHW in, NCHW out)."""

    def __init__(self, in_channels, dims):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, dims, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(dims)

    def forward(self, x):
        return self.bn(self.conv(x))


class Mlp(nn.Module):
    """Linear -> GELU -> Linear, with dropout after each (timm's Mlp)."""

    def __init__(self, dims, hidden, drop=0.):
        super().__init__()
        self.fc1 = nn.Linear(dims, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dims)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class InceptionBlock(nn.Module):
    """``x + DropPath(LS1 * mixer(LN x))``, then ``x + DropPath(LS2 * MLP(LN x))``.

    Args:
        dims (int): channels.
        attention_heads (int): heads of the mixer's attention (its low-frequency share).
        pool_size (int): pooling of the attention grid (2 in stages 1-2, 1 after).
        mlp_ratio (float): hidden width of the MLP over ``dims``. Defaults to 4.
        drop_path (float): stochastic depth rate. Defaults to 0.
        layer_scale_init_value (float, optional): initial layer scale, None for none.
        with_cp (bool): recompute the block in backward to save memory. Defaults to False.
    """

    def __init__(self, dims, attention_heads, pool_size, mlp_ratio=4., drop_rate=0.,
                 drop_path=0., layer_scale_init_value=None, with_cp=False):
        super().__init__()
        self.with_cp = with_cp
        self.norm1 = nn.LayerNorm(dims, eps=1e-6)
        self.mixer = InceptionMixer(dims, HEAD_DIMS, attention_heads, pool_size)
        self.norm2 = nn.LayerNorm(dims, eps=1e-6)
        self.mlp = Mlp(dims, int(dims * mlp_ratio), drop_rate)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        if layer_scale_init_value is None:
            self.ls1 = self.ls2 = nn.Identity()
        else:
            self.ls1 = LayerScale(dims, layer_scale_init_value)
            self.ls2 = LayerScale(dims, layer_scale_init_value)

    def _inner_forward(self, x):
        x = x + self.drop_path(self.ls1(self.mixer(self.norm1(x))))
        return x + self.drop_path(self.ls2(self.mlp(self.norm2(x))))

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._inner_forward, x, use_reentrant=False)
        return self._inner_forward(x)


class IFormerStage(nn.Module):
    """(transition conv) -> + position embedding -> blocks, channels-last inside.

    Args:
        downsample (nn.Module, optional): the transition from the previous stage (NCHW).
        dims (int): channels.
        grid_hw (tuple[int, int]): the position-embedding grid (at the pre-training size).
        blocks (list[InceptionBlock]): the blocks.
    """

    def __init__(self, downsample, dims, grid_hw, blocks):
        super().__init__()
        self.downsample = downsample
        self.pos_embed = nn.Parameter(torch.zeros(1, *grid_hw, dims))
        self.blocks = nn.ModuleList(blocks)

    def position_embedding(self, grid_hw):
        """The (1, H, W, C) embedding, resized bilinearly when the grid differs."""
        if tuple(self.pos_embed.shape[1:3]) == tuple(grid_hw):
            return self.pos_embed
        return F.interpolate(self.pos_embed.permute(0, 3, 1, 2), size=tuple(grid_hw),
                             mode='bilinear', align_corners=False).permute(0, 2, 3, 1)

    def forward(self, x):
        """(B, C_in, H, W) -> (B, H', W', C) channels-last."""
        if self.downsample is not None:
            x = self.downsample(x)
        x = x.permute(0, 2, 3, 1)
        x = x + self.position_embedding(x.shape[1:3])
        for block in self.blocks:
            x = block(x)
        return x

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # A checkpoint trained at another image size: resize its embedding to this grid.
        name = prefix + 'pos_embed'
        if name in state_dict and state_dict[name].shape != self.pos_embed.shape:
            value = state_dict[name]
            if value.dim() != 4 or value.shape[3] != self.pos_embed.shape[3]:
                raise ValueError(f'{name}: checkpoint shape {tuple(value.shape)} is not a '
                                 f'(1, H, W, {self.pos_embed.shape[3]}) position embedding')
            state_dict[name] = F.interpolate(
                value.permute(0, 3, 1, 2).float(), size=tuple(self.pos_embed.shape[1:3]),
                mode='bilinear', align_corners=False).permute(0, 2, 3, 1).to(value.dtype)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


@MODELS.register_module()
class IFormer(BaseBackbone):
    """Inception Transformer backbone (archs ``small``, ``base``, ``large`` or a dict).

    Args:
        arch (str | dict): an :attr:`arch_zoo` name, or a dict with ``depths``,
            ``embed_dims``, ``num_heads`` (per stage, for C / 32) and ``attention_heads``
            (per block). Defaults to 'small'.
        img_size (int | tuple[int, int]): pre-training image size; it only sizes the position
            embeddings, which are resized to any other input. Defaults to 224.
        in_channels (int): input channels. Defaults to 3.
        out_indices (Sequence[int]): stages whose LayerNorm-ed NCHW maps are returned.
            Defaults to (3, ).
        attn_pool_sizes (Sequence[int]): average-pool cell of the attention grid per stage.
            Defaults to (2, 2, 1, 1), the authors'.
        layer_scale_init_value (float): initial layer scale of stages 3-4 (none in 1-2).
            Defaults to 1e-6.
        mlp_ratio (float): MLP hidden width ratio. Defaults to 4.
        drop_rate (float): MLP dropout. Defaults to 0.
        drop_path_rate (float): stochastic depth, linear over all blocks. Defaults to 0.
        frozen_stages (int): freeze the stem and stages 0..frozen_stages (eval mode, no
            grad), as mmpretrain's Swin; -1 freezes nothing. Defaults to -1.
        norm_eval (bool): keep the BatchNorms of stem and transitions in eval mode.
            Defaults to False.
        with_cp (bool): activation checkpointing of every block. Defaults to False.
        init_cfg (dict, optional): mmengine init config (e.g. ``Pretrained``).
    """
    arch_zoo = {
        'small': dict(depths=[3, 3, 9, 3], embed_dims=[96, 192, 320, 384],
                      num_heads=[3, 6, 10, 12],
                      attention_heads=_ramp((1, 3), (3, 3), (7, 4), (9, 5), (11, 3))),
        'base': dict(depths=[4, 6, 14, 6], embed_dims=[96, 192, 384, 512],
                     num_heads=[3, 6, 12, 16],
                     attention_heads=_ramp((1, 4), (3, 6), (8, 7), (10, 7), (15, 6))),
        'large': dict(depths=[4, 6, 18, 8], embed_dims=[96, 192, 448, 640],
                      num_heads=[3, 6, 14, 20],
                      attention_heads=_ramp((1, 4), (3, 6), (10, 9), (12, 9), (19, 8))),
    }
    arch_zoo.update({f'iformer-{k}': v for k, v in list(arch_zoo.items())})

    def __init__(self, arch='small', img_size=224, in_channels=3, out_indices=(3, ),
                 attn_pool_sizes=(2, 2, 1, 1), layer_scale_init_value=1e-6, mlp_ratio=4.,
                 drop_rate=0., drop_path_rate=0., frozen_stages=-1, norm_eval=False,
                 with_cp=False, init_cfg=None):
        super().__init__(init_cfg)
        self.arch_settings = self._arch(arch)
        depths, dims = self.arch_settings['depths'], self.arch_settings['embed_dims']
        heads = self.arch_settings['attention_heads']
        self.embed_dims = dims
        self.num_stages = len(depths)
        self.out_indices = self._out_indices(out_indices)
        if len(attn_pool_sizes) != self.num_stages:
            raise ValueError(f'attn_pool_sizes needs one value per stage ({self.num_stages}), '
                             f'got {tuple(attn_pool_sizes)}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.img_size = to_2tuple(img_size)

        self.patch_embed = ConvStem(in_channels, dims[0])
        grid = tuple(-(-side // 4) for side in self.img_size)
        rates = [drop_path_rate * i / max(sum(depths) - 1, 1) for i in range(sum(depths))]
        self.stages = nn.ModuleList()
        for s, depth in enumerate(depths):
            if s > 0:
                grid = tuple(-(-side // 2) for side in grid)
            first = sum(depths[:s])
            blocks = [
                InceptionBlock(dims[s], heads[first + b], attn_pool_sizes[s], mlp_ratio,
                               drop_rate, rates[first + b],
                               layer_scale_init_value if s >= 2 else None, with_cp)
                for b in range(depth)
            ]
            downsample = ConvDownsample(dims[s - 1], dims[s]) if s > 0 else None
            self.stages.append(IFormerStage(downsample, dims[s], grid, blocks))
        for i in self.out_indices:
            self.add_module(f'norm{i}', nn.LayerNorm(dims[i], eps=1e-6))
        self._freeze_stages()

    def _arch(self, arch):
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise ValueError(f'unknown iFormer arch {arch!r}; choose one of '
                                 f'{sorted(self.arch_zoo)} or give a dict')
            return self.arch_zoo[arch]
        keys = {'depths', 'embed_dims', 'num_heads', 'attention_heads'}
        if not isinstance(arch, dict) or set(arch) != keys:
            raise ValueError(f'a custom iFormer arch is a dict with exactly {sorted(keys)}')
        if len(arch['attention_heads']) != sum(arch['depths']):
            raise ValueError(f"attention_heads needs one value per block ({sum(arch['depths'])})"
                             f", got {len(arch['attention_heads'])}")
        for dims, heads in zip(arch['embed_dims'], arch['num_heads']):
            if dims != heads * HEAD_DIMS:
                raise ValueError(f'embed_dims {dims} != {HEAD_DIMS} x num_heads {heads}')
        return dict(arch)

    def _out_indices(self, out_indices):
        if isinstance(out_indices, int):
            out_indices = [out_indices]
        if not all(-self.num_stages <= i < self.num_stages for i in out_indices):
            raise ValueError(f'out_indices {tuple(out_indices)} out of range for '
                             f'{self.num_stages} stages')
        return sorted(i % self.num_stages for i in out_indices)

    def init_weights(self):
        initialised = self._is_init  # mmengine initialises a module once
        super().init_weights()
        pretrained = isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'
        if initialised or pretrained:
            return  # already done, or the checkpoint sets every tensor
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, (nn.LayerNorm, nn.BatchNorm2d)):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        for stage in self.stages:
            trunc_normal_(stage.pos_embed, std=0.02)

    def forward(self, x):
        x = self.patch_embed(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)  # channels-last
            if i in self.out_indices:
                outs.append(getattr(self, f'norm{i}')(x).permute(0, 3, 1, 2).contiguous())
            x = x.permute(0, 3, 1, 2)
        return tuple(outs)

    def _freeze_stages(self):
        if self.frozen_stages >= 0:
            self.patch_embed.eval()
            for param in self.patch_embed.parameters():
                param.requires_grad = False
        for i in range(min(self.frozen_stages + 1, self.num_stages)):
            self.stages[i].eval()
            for param in self.stages[i].parameters():
                param.requires_grad = False
            if i in self.out_indices:
                for param in getattr(self, f'norm{i}').parameters():
                    param.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
