"""KAdaptation on mmpretrain ViT and Swin: ΔW against a naive Kronecker reference, zero change at
initialisation, gradients to every factor after one step, merge equivalence, adapter-only
checkpoints, clear errors."""
import pytest
import torch
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401  registers the wrappers
from tlalign_mm.models.peft import (AdapterShapeError, AdapterTargetError, KAdaptationModel,
                                    KroneckerQVLinear, merged_model_state_dict)

TINY_VIT = dict(type='VisionTransformer', img_size=32, patch_size=8,
                arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64))
TINY_SWIN = dict(type='SwinTransformer', img_size=32, patch_size=4, window_size=4,
                 arch=dict(embed_dims=16, depths=[2, 2], num_heads=[2, 4]), out_indices=(1, ),
                 drop_path_rate=0.0)


def classifier(backbone, in_channels, head='VisionTransformerClsHead', neck=None):
    return dict(type='ImageClassifier', backbone=backbone, neck=neck,
                head=dict(type=head, num_classes=5, in_channels=in_channels,
                          loss=dict(type='CrossEntropyLoss')))


def kadapt(module, **kwargs):
    return dict(type='KAdaptationModel', module=module, **dict(dict(num_terms=4), **kwargs))


def randomise_adapters(model, seed=1):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.requires_grad and 'head' not in name:
                param.copy_(0.05 * torch.randn(param.shape, generator=gen))


def naive_delta(layer, which):
    """s · Σ_i kron(l_i r_iᵀ, u_i v_iᵀ), one torch.kron per term."""
    shared = layer.shared
    left, right = getattr(shared, f'lora_{which}_left'), getattr(shared, f'lora_{which}_right')
    u, v = getattr(layer, f'lora_{which}_u'), getattr(layer, f'lora_{which}_v')
    total = sum(torch.kron(torch.outer(left[i], right[i]), torch.outer(u[i], v[i]))
                for i in range(shared.num_terms))
    return layer.scale * total


def test_delta_and_forward_match_naive_reference():
    torch.manual_seed(0)
    wrapper = KAdaptationModel(TINY_VIT, num_terms=4, scale=3.0, drop_rate=0.5)
    randomise_adapters(wrapper)
    wrapper.eval()
    layer = wrapper.module.layers[1].attn.qkv
    assert isinstance(layer, KroneckerQVLinear)
    x = torch.randn(3, 7, 32)
    w0, b0 = layer.original_layer.weight, layer.original_layer.bias
    dq, dv = naive_delta(layer, 'q'), naive_delta(layer, 'v')
    weight = w0 + torch.cat([dq, torch.zeros_like(dq), dv])
    bias = b0 + torch.cat([layer.lora_bias, torch.zeros(32), layer.lora_bias])
    torch.testing.assert_close(layer(x), x @ weight.T + bias, atol=1e-5, rtol=1e-5)
    # k rows untouched; q and v rows changed
    out, ref = layer(x), layer.original_layer(x)
    torch.testing.assert_close(out[..., 32:64], ref[..., 32:64])
    assert (out[..., :32] - ref[..., :32]).abs().max() > 1e-3
    assert (out[..., 64:] - ref[..., 64:]).abs().max() > 1e-3


@pytest.mark.parametrize('backbone,channels,layers', [
    (TINY_VIT, 32, 2), (TINY_SWIN, 32, 4)], ids=['vit', 'swin'])
def test_identity_at_init_and_merge(backbone, channels, layers):
    head = 'VisionTransformerClsHead' if backbone is TINY_VIT else 'LinearClsHead'
    neck = None if backbone is TINY_VIT else dict(type='GlobalAveragePooling')
    torch.manual_seed(0)
    adapted = MODELS.build(classifier(kadapt(backbone), channels, head, neck))
    kron_layers = [m for m in adapted.modules() if isinstance(m, KroneckerQVLinear)]
    assert len(kron_layers) == layers
    plain = MODELS.build(classifier(backbone, channels, head, neck))
    plain.load_state_dict(merged_model_state_dict(adapted), strict=True)
    x = torch.randn(2, 3, 32, 32)
    adapted.train()  # dropout active: a zero ΔW stays zero
    plain.eval()
    torch.testing.assert_close(adapted(x), plain(x), atol=0, rtol=0)

    randomise_adapters(adapted)
    adapted.eval()
    merged = MODELS.build(classifier(backbone, channels, head, neck)).eval()
    merged.load_state_dict(merged_model_state_dict(adapted), strict=True)
    diff = (adapted(x) - merged(x)).abs().max().item()
    assert diff <= 1e-5
    assert (adapted(x) - plain(x)).abs().max() > 1e-3  # the adapter does change the output


def test_every_factor_gets_gradient_after_one_step():
    torch.manual_seed(0)
    model = MODELS.build(classifier(kadapt(TINY_VIT, drop_rate=0.5), 32))
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert set(trainable) == {
        *(f'backbone.shared.lora_{w}_{side}' for w in 'qv' for side in ('left', 'right')),
        'head.layers.head.weight', 'head.layers.head.bias',
        *(f'backbone.module.layers.{i}.attn.qkv.{p}' for i in range(2) for p in (
            'lora_q_u', 'lora_q_v', 'lora_v_u', 'lora_v_v', 'lora_bias'))}
    optim = torch.optim.SGD(trainable.values(), lr=0.5)
    inputs = torch.randn(4, 3, 32, 32)
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(i % 5) for i in range(4)]

    def step():
        optim.zero_grad()
        loss = model(inputs, samples, mode='loss')['loss']
        loss.backward()
        return {n: p.grad for n, p in trainable.items()}

    first = step()
    # LoRA-style start: only the zero factors (v of B_i), the biases and the head move first
    for name, grad in first.items():
        moves = name.endswith(('lora_q_v', 'lora_v_v', 'lora_bias')) or 'head' in name
        assert (grad is not None and grad.abs().sum() > 0) == moves, name
    optim.step()
    second = step()
    for name, grad in second.items():
        assert grad is not None and grad.abs().sum() > 0, f'{name} got no gradient'
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert frozen and all(p.grad is None for n, p in model.named_parameters()
                          if n in frozen)


def test_checkpoint_holds_only_trainable_and_round_trips(tmp_path):
    torch.manual_seed(0)
    plain = MODELS.build(classifier(TINY_VIT, 32))
    path = str(tmp_path / 'pretrain.pth')
    torch.save(dict(state_dict=plain.state_dict()), path)
    init = dict(type='Pretrained', checkpoint=path, prefix='backbone.')
    cfg = classifier(dict(kadapt(TINY_VIT), init_cfg=init), 32)
    model = MODELS.build(cfg)
    randomise_adapters(model)
    state = model.state_dict()
    assert set(state) == {n for n, p in model.named_parameters() if p.requires_grad}
    from mmengine.runner.checkpoint import load_state_dict
    torch.manual_seed(123)  # a different head init: the checkpoint must restore it
    fresh = MODELS.build(cfg)
    load_state_dict(fresh, state, strict=True)  # frozen backbone keys are not "missing"
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(fresh.eval()(x), model.eval()(x))


def test_clear_errors():
    with pytest.raises(AdapterTargetError, match='match no nn.Linear'):
        KAdaptationModel(TINY_VIT, num_terms=4, targets=[dict(type='no_such_layer')])
    with pytest.raises(AdapterTargetError, match="targets take LoRAModel's form"):
        KAdaptationModel(TINY_VIT, num_terms=4, targets=['qkv'])  # the one form: dicts
    with pytest.raises(AdapterShapeError, match='not divisible by num_terms=5'):
        KAdaptationModel(TINY_VIT, num_terms=5)
    with pytest.raises(AdapterShapeError, match='fused qkv'):
        KAdaptationModel(TINY_VIT, num_terms=4, targets=[dict(type='ffn.layers.1')])


def test_targets_in_lora_models_form_with_per_target_settings():
    """One target form for both adapter wrappers: mmpretrain LoRAModel's dicts; the first
    matching target's scale / drop_rate win, the wrapper's apply elsewhere."""
    model = KAdaptationModel(TINY_VIT, num_terms=4, scale=3.0, drop_rate=0.1, targets=[
        dict(type=r'layers\.0\.attn\.qkv', scale=2.0, drop_rate=0.0), dict(type='qkv')])
    first, second = (model.module.layers[i].attn.qkv for i in (0, 1))
    assert (first.scale, first.lora_dropout.p) == (2.0, 0.0)
    assert (second.scale, second.lora_dropout.p) == (3.0, 0.1)


def test_checkpoint_with_earlier_adapter_key_names_loads_every_factor():
    """Checkpoints written before the adapter took LoRAModel's ``lora_`` names (``shared.q_left``,
    ``qkv.kron_q_u``, ``qkv.kron_bias``) load every factor; without the rename LoRAModel's load
    hook would drop them as frozen keys and the adapter would silently restart."""
    from mmengine.runner.checkpoint import load_state_dict
    torch.manual_seed(0)
    model = MODELS.build(classifier(kadapt(TINY_VIT), 32))
    randomise_adapters(model)
    earlier = {}
    for key, value in model.state_dict().items():
        key = key.replace('shared.lora_', 'shared.').replace('qkv.lora_', 'qkv.kron_')
        earlier[key] = value
    assert 'backbone.shared.q_left' in earlier and any('kron_bias' in k for k in earlier)
    torch.manual_seed(0)
    fresh = MODELS.build(classifier(kadapt(TINY_VIT), 32))  # same frozen weights, adapters new
    load_state_dict(fresh, earlier, strict=True)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(fresh.state_dict()[key], value, msg=key)
