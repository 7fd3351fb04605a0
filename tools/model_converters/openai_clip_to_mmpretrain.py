"""Convert OpenAI's released CLIP ViT (the image tower and its projection to the text space) to
mmpretrain keys: the raw CLIP the KAdaptation authors transfer from.

Usage: python tools/model_converters/openai_clip_to_mmpretrain.py SRC DST

SRC is the state dict of OpenAI's model (keys ``visual.*`` and the text tower's), raw or under
``state_dict``. OpenAI's ``ViT-B-32.pt`` is a TorchScript archive, which is not read here (only
tensors and containers are); take its state dict out once with
``python -c "import torch; torch.save(torch.jit.load('ViT-B-32.pt', map_location='cpu')``
``.state_dict(), 'ViT-B-32_state_dict.pth')"``. DST gets ``dict(meta=..., state_dict=...)`` with
``backbone.*`` of mmpretrain's ``VisionTransformer`` (``pre_norm=True``, no patch bias, QuickGELU
blocks: configs/_base_/models/peft/clip_vit-b-p32_openai.py) and ``neck.proj`` of
``ImageTextProjection``; the text tower's keys are left out (the class-name embeddings come from
tools/peft/make_text_embeddings.py).
"""
import os.path as osp
import re
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_cli import DROP, converter_entry, converter_main  # noqa: E402

BLOCK = {'ln_1': 'ln1', 'ln_2': 'ln2', 'attn.out_proj': 'attn.proj', 'mlp.c_fc': 'ffn.layers.0.0',
         'mlp.c_proj': 'ffn.layers.1'}
TOP = {'visual.conv1.weight': 'backbone.patch_embed.projection.weight',
       'visual.class_embedding': 'backbone.cls_token',
       'visual.positional_embedding': 'backbone.pos_embed',
       'visual.proj': 'neck.proj'}
NORMS = {'visual.ln_pre': 'backbone.pre_norm', 'visual.ln_post': 'backbone.ln1'}
# The text tower and the scalars of OpenAI's model: not part of an image classifier.
TEXT = re.compile(r'(transformer\..+|token_embedding\..+|ln_final\..+|positional_embedding|'
                  r'text_projection|logit_scale|input_resolution|context_length|vocab_size)')


def our_key(key):
    """mmpretrain's name for one OpenAI CLIP key, DROP for the text tower, None otherwise."""
    if TEXT.fullmatch(key):
        return DROP
    match = re.fullmatch(r'visual\.transformer\.resblocks\.(\d+)\.(.+)\.(weight|bias)', key)
    if match:
        block, owner, leaf = match.groups()
        if owner == 'attn.in_proj':
            return f'backbone.layers.{block}.attn.qkv.{leaf}'
        return owner in BLOCK and f'backbone.layers.{block}.{BLOCK[owner]}.{leaf}' or None
    if key in TOP:
        return TOP[key]
    owner, _, leaf = key.rpartition('.')
    return f'{NORMS[owner]}.{leaf}' if owner in NORMS and leaf in ('weight', 'bias') else None


def reshaped(state):
    """OpenAI's token parameters as mmpretrain holds them: (1, 1, C) and (1, 1 + N, C)."""
    state = dict(state)
    if 'backbone.cls_token' in state:
        state['backbone.cls_token'] = state['backbone.cls_token'].reshape(1, 1, -1)
    if 'backbone.pos_embed' in state:
        state['backbone.pos_embed'] = state['backbone.pos_embed'][None]
    return state


def _rename_in_proj(key):
    # OpenAI names the fused projection ``attn.in_proj_weight`` (no dot before the leaf)
    return re.sub(r'\.attn\.in_proj_(weight|bias)$', r'.attn.in_proj.\1', key)


_convert_keys, _ = converter_entry(our_key, 'CLIP ViT', 'backbone.layers.', __doc__,
                                   source="OpenAI's CLIP release")


def convert(state):
    """{mmpretrain key: tensor} of OpenAI's CLIP state dict (image tower and projection)."""
    return reshaped(_convert_keys({_rename_in_proj(k): v for k, v in state.items()}))


main = converter_main(convert, __doc__)

if __name__ == '__main__':
    sys.exit(main())
