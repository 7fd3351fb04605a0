"""Token-fluctuation analysis: the tracer's per-depth history against the naive reference, the
statistics against hand-worked numbers, and tools/analysis/token_fluctuation.py on a briefly
trained TL-Align DeiT and on the untrained one."""
import copy
import csv
import json
import math
import os.path as osp
import sys

import pytest
import torch

from tlalign_mm.alignment import ExplicitSource, MixRecordSource, align_labels, build_tracer
from tlalign_mm.alignment.fluctuation import COLUMNS, FluctuationStats
from tlalign_mm.augments import AlignedTokenCutMix

from ..conftest import ROOT, config_path
from ..test_alignment.naive_reference import reference_vit_labels
from ..test_alignment.test_vit_alignment import TINY, make_vit

TOOL = osp.join(ROOT, 'tools', 'analysis', 'token_fluctuation.py')
TLALIGN = config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py')
NO_WORKERS = ['train_dataloader.num_workers=0', '+train_dataloader.persistent_workers=False',
              'val_dataloader.num_workers=0', '+val_dataloader.persistent_workers=False']


def tool_main(argv):
    sys.path.insert(0, osp.dirname(TOOL))
    try:
        import token_fluctuation
    finally:
        sys.path.remove(osp.dirname(TOOL))
    return token_fluctuation.main(argv)


def test_history_matches_naive_reference_at_every_depth():
    vit = make_vit(TINY, 32, 4)  # 3 blocks, 8x8 patch grid, sharpened attention
    torch.manual_seed(1)
    images = torch.randn(3, 3, 32, 32)
    _, _, record = AlignedTokenCutMix(alpha=1.0, patch_size=4).mix(images, torch.eye(3))
    tracer = build_tracer(vit, kernel='explicit')
    tracer.history = []
    tracer.attach(MixRecordSource(record, 'scalar'))
    with torch.no_grad():
        vit(images)
    tracer.detach()
    assert len(tracer.history) == len(vit.layers) + 1
    own = record.own_mask.reshape(3, 8, 4, 8, 4).mean(dim=(2, 4)).reshape(3, 64, 1)
    for depth, (tokens, summary) in enumerate(tracer.history):
        assert tokens.shape == (3, 64, 1) and summary.shape == (3, 1)
        assert not tokens.requires_grad and not summary.requires_grad
        truncated = copy.deepcopy(vit)
        truncated.layers = truncated.layers[:depth]
        expected = reference_vit_labels(truncated, images, own, record.lam[:, None])
        torch.testing.assert_close(summary, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(tracer.history[0][0], own)
    torch.testing.assert_close(tracer.history[0][1], record.lam[:, None])
    # Recording changes nothing: the final label is the one align_labels gives without history.
    final = align_labels(vit, images, own, record.lam[:, None], kernel='explicit')
    torch.testing.assert_close(tracer.history[-1][1], final, atol=0, rtol=0)
    # History is opt-in: a plain tracer records nothing.
    plain = build_tracer(vit)
    plain.attach(ExplicitSource(own, record.lam[:, None]))
    with torch.no_grad():
        vit(images)
    plain.detach()
    assert plain.history is None


def test_stats_hand_example_including_merged_tokens():
    """Two samples on a 2x2 patch grid; depth 2 merges the grid into one token (Swin-like)."""
    lam = torch.tensor([0.5, 0.75])
    initial = torch.tensor([[1., 1., 0., 0.], [1., 1., 1., 0.]])[..., None]
    history = [
        (initial, lam[:, None]),
        (torch.tensor([[.9, .8, .1, .2], [1., .9, .7, .4]])[..., None],
         torch.tensor([[0.6], [0.65]])),
        (torch.tensor([[0.45], [0.8]])[..., None], torch.tensor([[0.45], [0.8]])),
    ]
    stats = FluctuationStats()
    stats.add(history, lam, grid_hw=(2, 2))
    rows = stats.rows()
    assert [list(r) for r in rows] == [list(COLUMNS)] * 3
    assert [r['depth'] for r in rows] == [0, 1, 2] and rows[0]['samples'] == 2
    expected = [
        # a_cls_mean, abs_gap_mean, abs_gap_max, signed_gap_mean, patch_drift_mean
        (0.625, 0.0, 0.0, 0.0, 0.0),
        # gaps +0.1, -0.1; drifts mean(.1,.2,.1,.2)=.15 and mean(0,.1,.3,.4)=.2
        (0.625, 0.1, 0.1, 0.0, 0.175),
        # gaps -0.05, +0.05; merged token vs mean initial label: |.45-.5|, |.8-.75|
        (0.625, 0.05, 0.05, 0.0, 0.05),
    ]
    for row, (a_cls, gap, gap_max, signed, drift) in zip(rows, expected):
        assert row['a_cls_mean'] == pytest.approx(a_cls)
        assert row['lambda_mean'] == pytest.approx(0.625)
        assert row['abs_gap_mean'] == pytest.approx(gap)
        assert row['abs_gap_max'] == pytest.approx(gap_max)
        assert row['signed_gap_mean'] == pytest.approx(signed, abs=1e-7)
        assert row['patch_drift_mean'] == pytest.approx(drift)
    # A second batch is pooled in per sample, not per batch.
    stats.add(history[:1] * 3, torch.tensor([0.25]).expand(2), grid_hw=(2, 2))
    assert stats.rows()[1]['samples'] == 4
    # A token grid that is no pooling of the initial one reports NaN drift, not a guess.
    odd = FluctuationStats()
    odd.add([history[0], (torch.zeros(2, 3, 1), lam[:, None])], lam, grid_hw=(2, 2))
    assert math.isnan(odd.rows()[1]['patch_drift_mean'])


@pytest.fixture(scope='module')
def trained_checkpoint(trained_digits):
    """The shared digits TL-Align DeiT after 12 epochs."""
    return trained_digits('deit_tlalign').checkpoint


def read_outputs(out_dir):
    with open(osp.join(out_dir, 'token_fluctuation.csv')) as f:
        rows = list(csv.DictReader(f))
    with open(osp.join(out_dir, 'token_fluctuation.json')) as f:
        result = json.load(f)
    with open(osp.join(out_dir, 'token_fluctuation.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    return rows, result


def check_consistent(rows, result, depth=4, samples=128):
    assert len(rows) == depth + 1 == len(result['layers']) and result['depth'] == depth
    for csv_row, layer in zip(rows, result['layers']):
        assert set(csv_row) == set(COLUMNS)
        for key in COLUMNS:
            assert float(csv_row[key]) == pytest.approx(layer[key], rel=1e-12, abs=1e-15)
    layers = result['layers']
    assert [layer['depth'] for layer in layers] == list(range(depth + 1))
    assert all(layer['samples'] == samples for layer in layers)
    # Depth 0: the class token starts at the area ratio, the patch tokens at their own fraction.
    assert layers[0]['abs_gap_mean'] == pytest.approx(0.0, abs=1e-6)
    assert layers[0]['abs_gap_max'] == pytest.approx(0.0, abs=1e-6)
    assert layers[0]['patch_drift_mean'] == pytest.approx(0.0, abs=1e-7)
    assert layers[0]['a_cls_mean'] == pytest.approx(layers[0]['lambda_mean'], abs=1e-6)
    assert len({layer['lambda_mean'] for layer in layers}) == 1
    for layer in layers:
        assert 0.0 <= layer['abs_gap_mean'] <= layer['abs_gap_max'] <= 1.0
        assert abs(layer['signed_gap_mean']) <= layer['abs_gap_mean'] + 1e-9
    assert result['final_abs_gap_mean'] == layers[-1]['abs_gap_mean']


def test_tool_on_trained_and_untrained_model(trained_checkpoint, tmp_path, tool):
    out_dir = str(tmp_path / 'trained')
    out = tool([TOOL, TLALIGN, trained_checkpoint, '--batches', '2', '--out-dir', out_dir])
    assert out.returncode == 0, out.stderr[-3000:]
    rows, trained = read_outputs(out_dir)
    check_consistent(rows, trained)
    assert 'final-depth mean |a_cls - lambda|' in out.stdout
    assert trained['checkpoint'] == trained_checkpoint and trained['backbone'] == \
        'VisionTransformer'

    untrained = tool_main([TLALIGN, 'none', '--batches', '2', '--out-dir',
                           str(tmp_path / 'none')])
    check_consistent(*read_outputs(str(tmp_path / 'none')))
    # Same seed, same images and boxes: the two models saw the same area ratios.
    assert untrained['layers'][0]['lambda_mean'] == trained['layers'][0]['lambda_mean']
    gap_trained, gap_untrained = trained['final_abs_gap_mean'], untrained['final_abs_gap_mean']
    print(f'final-depth mean gap: trained {gap_trained:.4f}, untrained {gap_untrained:.4f}')
    # No ordering against the untrained gap is asserted (both depend on the weights' scale);
    # the traced share must have left the area ratio, though.
    assert gap_trained > 1e-3
    assert gap_untrained > 0.0

    pixel = tool_main([TLALIGN, 'none', '--batches', '1', '--mix', 'pixel', '--split', 'train',
                       '--out-dir', str(tmp_path / 'pixel')])
    check_consistent(*read_outputs(str(tmp_path / 'pixel')), samples=32)
    assert pixel['mix'] == 'pixel' and pixel['split'] == 'train'

    # a second run into the same folder replaces nothing unless told to
    before = {p.name: p.read_bytes() for p in (tmp_path / 'none').iterdir()}
    with pytest.raises(SystemExit) as err:
        tool_main([TLALIGN, 'none', '--batches', '1', '--out-dir', str(tmp_path / 'none')])
    assert str(err.value.code) == (
        f"error: {tmp_path / 'none' / 'token_fluctuation.csv'} (and 2 more) exists; refusing "
        'to overwrite it (pass --overwrite to replace it, or choose another output)')
    assert {p.name: p.read_bytes() for p in (tmp_path / 'none').iterdir()} == before
    again = tool_main([TLALIGN, 'none', '--batches', '1', '--out-dir', str(tmp_path / 'none'),
                       '--overwrite'])
    assert again['layers'][0]['samples'] == 64  # one val batch, where the first run had two
    assert json.loads((tmp_path / 'none' / 'token_fluctuation.json').read_text()) == again


def test_tool_input_errors_are_one_line(digits_root, tmp_path, tool):
    out = tool([TOOL, TLALIGN, str(tmp_path / 'missing.pth')])
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        f'error: checkpoint not found: {tmp_path / "missing.pth"}']
    with pytest.raises(SystemExit, match='config not found'):
        tool_main([str(tmp_path / 'nope.py'), 'none'])
    alien = str(tmp_path / 'alien.pth')
    torch.save({'state_dict': {'foo': torch.zeros(1)}}, alien)
    with pytest.raises(SystemExit, match='alien.pth does not fit the model of the config: '
                       '.*unexpected key in source state_dict: foo') as err:
        tool_main([TLALIGN, alien])
    assert '\n' not in str(err.value)
