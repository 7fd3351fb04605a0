"""The Inception token mixer of iFormer (Si et al., NeurIPS 2022), with explicit H and W.

The channels of a block are split: the first ``high_dims`` go to two local branches (a
max-pool path and a depthwise-conv path, the "high-frequency" mixers), the last ``low_dims`` to
multi-head self-attention over a (possibly 2x2-average-pooled) grid (the "low-frequency" mixer).
The outputs are concatenated, refined by a residual 3x3 depthwise conv and projected back.

Differences from the authors' module, none of which changes the result on the grids they use:
the attention reshape carries H and W (theirs assumes a square grid), and odd grids are pooled
with a partial last cell (``ceil_mode``) and cropped after the upsampling, so dense inputs of any
size work. The post-softmax attention goes through a ``softmax`` *module*, the one point where
label tracing (``tlalign_mm.alignment.iformer``) reads it.
"""
import torch
from torch import nn


class HighFrequencyMixer(nn.Module):
    """The two local branches over ``dims`` channels; outputs ``2 * dims`` channels.

    First half: 1x1 conv doubling the channels (no bias) -> 3x3 depthwise conv (no bias) ->
    GELU. Second half: 3x3 max-pool (stride 1) -> 1x1 conv doubling the channels -> GELU.

    Args:
        dims (int): input channels of the high-frequency part (even).
    """

    def __init__(self, dims):
        super().__init__()
        if dims % 2:
            raise ValueError(f'the high-frequency channels must split in two halves, got {dims}')
        self.half = half = dims // 2
        self.conv_pw = nn.Conv2d(half, 2 * half, 1, bias=False)
        self.conv_dw = nn.Conv2d(2 * half, 2 * half, 3, padding=1, groups=2 * half, bias=False)
        self.conv_act = nn.GELU()
        self.max_pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.pool_proj = nn.Conv2d(half, 2 * half, 1)
        self.pool_act = nn.GELU()

    def forward(self, x):
        conv = self.conv_act(self.conv_dw(self.conv_pw(x[:, :self.half])))
        pool = self.pool_act(self.pool_proj(self.max_pool(x[:, self.half:])))
        return torch.cat((conv, pool), dim=1)


class LowFrequencyMixer(nn.Module):
    """Multi-head self-attention over the (pooled) grid; no output projection.

    Args:
        dims (int): channels of the low-frequency part.
        num_heads (int): attention heads (head dim ``dims // num_heads``).
        pool_size (int): side of the average-pool cell before attention (and the nearest
            upsampling after it); 1 attends over the full grid. Defaults to 2.
        qkv_bias (bool): bias of the qkv projection. Defaults to True.
        attn_drop (float): dropout on the attention probabilities. Defaults to 0.
    """

    def __init__(self, dims, num_heads, pool_size=2, qkv_bias=True, attn_drop=0.):
        super().__init__()
        if dims % num_heads:
            raise ValueError(f'{dims} low-frequency channels do not split into {num_heads} '
                             'heads')
        self.dims = dims
        self.num_heads = num_heads
        self.scale = (dims // num_heads)**-0.5
        self.pool_size = pool_size
        self.qkv = nn.Linear(dims, 3 * dims, bias=qkv_bias)
        self.softmax = nn.Softmax(dim=-1)
        self.attn_drop = nn.Dropout(attn_drop)
        if pool_size > 1:
            # Partial edge cells average their real positions only (count_include_pad=False).
            self.pool = nn.AvgPool2d(pool_size, stride=pool_size, ceil_mode=True,
                                     count_include_pad=False)
            self.upsample = nn.Upsample(scale_factor=pool_size, mode='nearest')
        else:
            self.pool = self.upsample = nn.Identity()

    def unpool(self, x, grid_hw):
        """(B, C, h, w) on the pooled grid -> (B, C, H, W): nearest upsampling, edge cropped."""
        return self.upsample(x)[..., :grid_hw[0], :grid_hw[1]]

    def forward(self, x):
        batch, _, height, width = x.shape
        pooled = self.pool(x)
        grid = pooled.shape[-2:]
        tokens = pooled.flatten(2).transpose(1, 2)  # (B, N, C), row-major over the grid
        qkv = self.qkv(tokens).reshape(batch, -1, 3, self.num_heads, self.dims // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        attn = self.attn_drop(self.softmax((q @ k.transpose(-2, -1)) * self.scale))
        # (B, heads, N, head_dim) -> (B, C, h, w), channels head-major as in the authors' code.
        out = (attn @ v).transpose(2, 3).reshape(batch, self.dims, *grid)
        return self.unpool(out, (height, width))


class InceptionMixer(nn.Module):
    """The full mixer of one block on a channels-last (B, H, W, C) map.

    Args:
        dims (int): channels C of the block.
        head_dims (int): channels per attention head; the low part has
            ``attention_heads * head_dims`` channels, the high part the rest.
        attention_heads (int): heads of the low-frequency attention.
        pool_size (int): pooling of the attention grid (2 in stages 1-2, 1 after).
        qkv_bias (bool): bias of the qkv projection. Defaults to True.
        attn_drop (float): attention dropout. Defaults to 0.
        proj_drop (float): dropout after the output projection. Defaults to 0.
    """

    def __init__(self, dims, head_dims, attention_heads, pool_size, qkv_bias=True,
                 attn_drop=0., proj_drop=0.):
        super().__init__()
        self.dims = dims
        self.low_dims = attention_heads * head_dims
        self.high_dims = dims - self.low_dims
        if self.high_dims <= 0:
            raise ValueError(f'{attention_heads} attention heads of {head_dims} channels leave '
                             f'no high-frequency channels of {dims}')
        self.high_mixer = HighFrequencyMixer(self.high_dims)
        self.low_mixer = LowFrequencyMixer(self.low_dims, attention_heads, pool_size, qkv_bias,
                                           attn_drop)
        fused = 2 * self.high_dims + self.low_dims
        self.fuse_dw = nn.Conv2d(fused, fused, 3, padding=1, groups=fused, bias=False)
        self.proj = nn.Conv2d(fused, dims, 1)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        high = self.high_mixer(x[:, :self.high_dims])
        low = self.low_mixer(x[:, self.high_dims:])
        fused = torch.cat((high, low), dim=1)
        fused = fused + self.fuse_dw(fused)
        return self.proj_drop(self.proj(fused)).permute(0, 2, 3, 1)
