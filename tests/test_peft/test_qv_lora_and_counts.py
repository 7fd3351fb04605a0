"""q/v LoRA on the fused qkv (mmpretrain LoRAModel machinery + the q/v split), and the pinned
trainable-parameter counts of CLIP ViT-B/32 against the KAdaptation paper's published ones."""
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401
from tlalign_mm.engine.hooks.trainable_params_hook import count_parameters
from tlalign_mm.models.peft import QVLoRALinear, merged_model_state_dict

from ..conftest import config_path
from .test_kadaptation import TINY_VIT, classifier, randomise_adapters

# The paper's head: the average over its 20 ELEVATER datasets of a linear layer on CLIP's
# 512-d embedding (not a whole number of classes), quoted as is.
PUBLISHED_HEAD = 29_523
PUBLISHED_KADAPTATION = 79_699  # 12 x (4x768 + 768) + 4x1024 + head
PUBLISHED_LORA = 176_979


def test_qv_lora_adapts_q_and_v_rows_only_and_merges():
    torch.manual_seed(0)
    cfg = classifier(dict(type='QVLoRAModel', module=TINY_VIT, alpha=8, rank=2,
                          targets=[dict(type='qkv')]), 32)
    model = MODELS.build(cfg)
    layer = model.backbone.module.layers[0].attn.qkv
    assert isinstance(layer, QVLoRALinear)
    trainable = sorted(n for n, p in model.named_parameters() if p.requires_grad)
    assert trainable == sorted(
        ['head.layers.head.weight', 'head.layers.head.bias'] +
        [f'backbone.module.layers.{i}.attn.qkv.lora_{w}_{d}.weight' for i in range(2)
         for w in 'qv' for d in ('down', 'up')])
    x = torch.randn(2, 5, 32)
    torch.testing.assert_close(layer(x), layer.original_layer(x), atol=0, rtol=0)  # up = 0
    randomise_adapters(model)
    model.eval()
    out, ref = layer(x), layer.original_layer(x)
    down, up = layer.lora_q_down.weight, layer.lora_q_up.weight
    torch.testing.assert_close(out[..., :32], ref[..., :32] + 4.0 * x @ down.T @ up.T)
    torch.testing.assert_close(out[..., 32:64], ref[..., 32:64], atol=0, rtol=0)
    merged = MODELS.build(classifier(TINY_VIT, 32)).eval()
    merged.load_state_dict(merged_model_state_dict(model), strict=True)
    images = torch.randn(2, 3, 32, 32)
    assert (merged(images) - model(images)).abs().max() <= 1e-5
    assert set(model.state_dict()) == set(trainable)  # LoRAModel's filter keeps lora_ + head


def backbone_trainable(config):
    """Trainable parameters of the CLIP ViT-B/32 backbone a paper-scale PEFT config builds."""
    cfg = Config.fromfile(config)
    backbone = dict(cfg.model.backbone, init_cfg=None)  # no download: counts only
    backbone.pop('init_cfg')
    model = MODELS.build(backbone)
    return count_parameters(model)


def test_clip_vit_b32_trainable_counts_pin_the_published_formula():
    kadapt, total = backbone_trainable(config_path('peft', 'clip-vit-b32_kadaptation_cub-224.py'))
    # 12 layers x (q and v B_i factors 4x768 + one bias 768) + shared A_i factors 4x1024
    assert kadapt == 12 * (4 * 768 + 768) + 4 * 1024 == 50_176
    assert kadapt + PUBLISHED_HEAD == PUBLISHED_KADAPTATION
    # the frozen encoder: OpenAI's 87,849,216 minus its 768x512 text-space projection, which
    # an mmpretrain classifier does not use
    assert total - kadapt == 87_849_216 - 768 * 512 == 87_456_000
    lora, _ = backbone_trainable(config_path('peft', 'clip-vit-b32_lora_cub-224.py'))
    assert lora == 12 * 2 * (4 * 768 + 768 * 4) == 147_456
    assert lora + PUBLISHED_HEAD == PUBLISHED_LORA
