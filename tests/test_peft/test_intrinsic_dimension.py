"""Intrinsic dimension: the Walsh-Hadamard transform and Fastfood against explicit matrices,
Fastfood and dense projections giving the same subspace update on one basis, the subspace model through
functional_call, d90, and the tool on the digits fine-grained task."""
import json
import math
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401
from tlalign_mm.intrinsic import (DenseProjection, FastfoodProjection, ProjectionSizeError,
                                  SubspaceModel, d90, fwht)

from ..conftest import config_path
from .test_kadaptation import TINY_VIT, classifier


def sylvester(n):
    h = torch.ones(1, 1)
    while h.shape[0] < n:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h


def test_fwht_is_the_hadamard_matrix():
    x = torch.randn(64, dtype=torch.float64)
    torch.testing.assert_close(fwht(x), sylvester(64).double() @ x)
    with pytest.raises(ProjectionSizeError, match='not a power of two'):
        fwht(torch.randn(12))


def test_fastfood_equals_its_explicit_factorisation():
    ff = FastfoodProjection(full_dim=100, dim=7, seed=3)
    length = ff.length
    assert length == 128
    h = sylvester(length)
    perm = torch.eye(length)[ff.perm]  # (P x)_k = x[perm[k]]
    full = h @ torch.diag(ff.gauss) @ perm @ h @ torch.diag(ff.signs)
    explicit = ff.scale * full[:100, :7]
    torch.testing.assert_close(ff.matrix(), explicit, atol=1e-4, rtol=1e-5)


def test_fastfood_and_dense_give_the_same_subspace_update():
    """Same random basis: the dense projection is given Fastfood's implied matrix. The mapped
    update and the gradient that reaches θ_d (Pᵀ g) must agree."""
    ff = FastfoodProjection(full_dim=300, dim=20, seed=0)
    dense = DenseProjection(300, 20, matrix=ff.matrix())
    target = torch.randn(300)
    grads = []
    for proj in (ff, dense):
        theta = torch.randn(20, generator=torch.Generator().manual_seed(1), requires_grad=True)
        update = proj(theta)
        (update * target).sum().backward()
        grads.append((update.detach(), theta.grad))
    torch.testing.assert_close(grads[0][0], grads[1][0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(grads[0][1], grads[1][1], atol=1e-4, rtol=1e-5)


def test_projection_columns_are_unit_norm():
    dense = DenseProjection(500, 30, seed=0)
    torch.testing.assert_close(dense.matrix.norm(dim=0), torch.ones(30))
    # Fastfood's columns are unit-norm exactly when no row is dropped (D = L) ...
    exact = FastfoodProjection(256, 16, seed=0).matrix()
    torch.testing.assert_close(exact.norm(dim=0), torch.ones(16), atol=1e-5, rtol=1e-5)
    # ... and in expectation after keeping D of L rows: mean squared norm over 256 columns
    kept = FastfoodProjection(700, 256, seed=0).matrix()
    assert abs(kept.pow(2).sum(0).mean().item() - 1.0) < 0.05
    with pytest.raises(ProjectionSizeError, match='use the Fastfood projection'):
        DenseProjection(2 ** 20, 2 ** 9)


@pytest.mark.parametrize('said', [False, True])
def test_subspace_model_starts_at_theta0_and_trains_only_theta_d(said):
    torch.manual_seed(0)
    model = MODELS.build(classifier(TINY_VIT, 32)).eval()
    x = torch.randn(2, 3, 32, 32)
    before = model(x)
    sub = SubspaceModel(model, dim=40, projection='fastfood', said=said).eval()
    assert sub.num_trainable() == 40
    assert sub.full_dim == sum(p.numel() for p in model.parameters())
    torch.testing.assert_close(sub(x), before, atol=0, rtol=0)
    with torch.no_grad():
        sub.theta_d.normal_()
    params = sub.subspace_params()
    moved = {n for n, p in model.named_parameters() if not torch.equal(params[n], p)}
    assert moved == {n for n, _ in model.named_parameters()}
    assert (sub(x) - before).abs().max() > 1e-4
    # the model's own weights stay θ₀; only the functional call sees θ₀ + P θ_d
    assert not any(p.requires_grad for p in model.parameters())


def test_d90():
    assert d90([10, 100, 1000], [20.0, 80.0, 95.0], full_accuracy=100.0) == 1000
    assert d90([1000, 10, 100], [95.0, 20.0, 90.0], full_accuracy=100.0) == 100
    assert d90([10], [50.0], full_accuracy=100.0) is None


def test_tool_on_digits_fine_grained(digits_root, tmp_path):
    import sys
    tools = osp.join(osp.dirname(config_path()), 'tools', 'analysis')
    sys.path.insert(0, tools)
    try:
        import intrinsic_dimension
    finally:
        sys.path.remove(tools)

    config = config_path('fgvc', 'deit-digits_finetune_digits-cub.py')
    torch.manual_seed(0)
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    pretrained = str(tmp_path / 'pretrain.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), pretrained)
    loaders = [option for d in ('train_dataloader', 'val_dataloader', 'test_dataloader')
               for option in (f'{d}.num_workers=0', f'+{d}.persistent_workers=False')]
    out = str(tmp_path / 'id')
    result = intrinsic_dimension.main([
        config, pretrained, '--dims', '4', '64', '--out-dir', out, '--cfg-options',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=10', *loaders,
        *(f'+{d}.dataset.{k}' for d in ('train_dataloader', 'test_dataloader')
          for k in ('indices=96', 'serialize_data=False'))])
    saved = json.load(open(osp.join(out, 'intrinsic_dimension.json')))
    assert saved == json.loads(json.dumps(result))
    assert saved['dims'] == [4, 64] and len(saved['accuracy']) == 2
    assert all(0.0 <= a <= 100.0 for a in saved['accuracy'] + [saved['full_ft_accuracy']])
    assert saved['full_dim'] == sum(p.numel() for p in MODELS.build(cfg.model).parameters())
    expected = d90(saved['dims'], saved['accuracy'], saved['full_ft_accuracy'])
    assert saved['d90'] == expected
    with open(osp.join(out, 'intrinsic_dimension.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    assert math.isfinite(saved['full_ft_accuracy'])
