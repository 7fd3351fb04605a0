"""Smoke runs of the PNA analysis tools at tiny sizes, with values checked where they are known."""
import json
import os.path as osp
import runpy

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

from ..conftest import ROOT, config_path

PNA = config_path('pretrain', 'pna', 'deit-digits_pna-rotate-uniform_digits.py')


def tool(name):
    return runpy.run_path(osp.join(ROOT, 'tools', 'analysis', f'{name}.py'), run_name=name)


def save_model(cfg, path, random_head):
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    model.init_weights()  # the ViT head starts at zero: every prediction uniform
    if random_head:
        torch.nn.init.normal_(model.head.layers.head.weight, std=0.5)
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return model.eval()


def test_negative_confidence_tool(digits_root, tmp_path):
    cfg = Config.fromfile(PNA)
    save_model(cfg, tmp_path / 'zero.pth', random_head=False)
    model = save_model(cfg, tmp_path / 'random.pth', random_head=True)
    results = tool('negative_confidence')['main']([
        PNA, str(tmp_path / 'zero.pth'), str(tmp_path / 'random.pth'), '--names', 'zero',
        'random', '--batches', '1', '--out-dir', str(tmp_path / 'out'),
        '--cfg-options', 'val_dataloader.batch_size=16'])
    assert set(results) == {'zero', 'random'}
    for view in ('clean', 'shuffle', 'rotate', 'infill'):
        assert results['zero'][view]['confidence'] == pytest.approx(10.0)
    # The clean numbers against a forward of the same 16 images here (the tool set the scope).
    loader = Runner.build_dataloader(dict(cfg.val_dataloader, batch_size=16, num_workers=0,
                                          persistent_workers=False))
    data = model.data_preprocessor(next(iter(loader)), training=False)
    with torch.no_grad():
        probs = model.head(model.extract_feat(data['inputs'])).softmax(1)
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    clean = results['random']['clean']
    assert clean['confidence'] == pytest.approx(100 * probs.max(1).values.mean().item(), abs=1e-4)
    assert clean['accuracy'] == pytest.approx(100 * (probs.argmax(1) == labels).float().mean())
    assert results['random']['rotate']['confidence'] != clean['confidence']
    saved = json.loads((tmp_path / 'out' / 'negative_confidence.json').read_text())
    assert saved['results'] == results
    assert (tmp_path / 'out' / 'negative_confidence.png').stat().st_size > 0


@pytest.mark.parametrize('clock', ['wall', 'cpu'])
def test_negative_view_cost_tool(tmp_path, clock):
    out = tmp_path / 'cost.json'
    result = tool('negative_view_cost')['main']([
        '--arch', 'tiny-test', '--img-size', '32', '--patch-size', '8', '--batch', '4',
        '--num-classes', '10', '--repeats', '2', '--warmup', '1', '--clock', clock,
        '--out', str(out)])
    assert result['clock'] == clock
    assert set(result['view_ms']) == {'shuffle', 'rotate', 'infill'}
    for name, ms in result['view_ms'].items():
        assert ms > 0 and result['view_over_step'][name] == pytest.approx(ms / result['step_ms'])
    assert result['pna_step_over_step'] == pytest.approx(result['pna_step_ms']
                                                         / result['step_ms'])
    assert json.loads(out.read_text()) == result
