"""tools/analysis/tlalign_overhead.py end to end on tiny models (ratios are not asserted: speed
is the benchmark's business, not a unit test's; its bookkeeping is)."""
import json
import os.path as osp

import pytest

from ..conftest import ROOT
from ..conftest import run_tool

TOOL = osp.join(ROOT, 'tools', 'analysis', 'tlalign_overhead.py')
TINY_RUN = ['--batch', '2', '--num-classes', '10', '--rounds', '2',
            '--steps', '1', '--warmup', '1']


@pytest.mark.parametrize('backbone,arch,size,arms', [
    ('vit', 'deit-tiny', 32, ['cutmix', 'tlalign-scalar', 'tlalign-kdim']),
    ('swin', 'tiny', 224, ['cutmix', 'tlalign-scalar']),  # Swin-T needs 7 tokens at stage 4
])
def test_overhead_tool_reports_every_arm(backbone, arch, size, arms, tmp_path):
    out_json = str(tmp_path / 'overhead.json')
    out = run_tool([TOOL, '--backbone', backbone, '--arch', arch, '--img-size', str(size),
                    *TINY_RUN, '--arms', *arms,
                    '--device', 'cpu', '--out', out_json], env_extra={'OMP_NUM_THREADS': '1'})
    assert out.returncode == 0, out.stderr[-3000:]
    # The timing process re-ran itself with the caching heap and says so.
    assert 're-running with a caching glibc heap' in out.stdout
    with open(out_json) as f:
        results = json.load(f)
    assert results['malloc'] == {'MALLOC_MMAP_THRESHOLD_': '33554432',
                                 'MALLOC_TRIM_THRESHOLD_': '68719476736'}
    assert list(results['arms']) == arms
    base = results['arms']['cutmix']
    for arm in arms:
        row = results['arms'][arm]
        assert len(row['times_ms']) == 2 and all(t > 0 for t in row['times_ms'])
        assert row['time_ratio'] == pytest.approx(row['step_ms'] / base['step_ms'])
        assert row['round_ratios'] == pytest.approx(
            [t / b for t, b in zip(row['times_ms'], base['times_ms'])])
        assert row['peak_mb'] > 100  # a resident Python + torch process, in MiB
        assert row['peak_ratio'] == pytest.approx(row['peak_mb'] / base['peak_mb'])
        assert f'{arm:<16}' in out.stdout  # the printed table has a row per arm


def test_unknown_kernel_is_refused():
    out = run_tool([TOOL, '--kernel', 'flash'])
    assert out.returncode != 0
    assert "invalid choice: 'flash'" in out.stderr


def test_count_ops_reports_the_host_work_per_block(tmp_path):
    """One counted step per arm: CutMix is the zero line; the traced arms add their label ops
    (the riding kernel's padding and blend among them) and tlalign_mm Python calls."""
    out_json = str(tmp_path / 'ops.json')
    out = run_tool([TOOL, '--arch', 'deit-tiny', '--img-size', '32', '--batch', '2',
                    '--num-classes', '10', '--count-ops', '--device', 'cpu', '--out', out_json],
                   env_extra={'OMP_NUM_THREADS': '1'})
    assert out.returncode == 0, out.stderr[-3000:]
    with open(out_json) as f:
        results = json.load(f)
    assert results['blocks'] == 12
    rows = results['arms']
    assert rows['cutmix']['extra_ops_per_block'] == 0 and rows['cutmix']['python_calls'] == 0
    for arm in ('tlalign-scalar', 'tlalign-kdim'):
        assert rows[arm]['extra_ops_per_block'] > 0 and rows[arm]['python_calls'] > 0
        # One residual blend per block, from the one propagation rule (head mean and blend in
        # one in-place batched product, for any label width).
        assert rows[arm]['top_extra_ops']['baddbmm_'] == 12
    assert 'extra/block' in out.stdout
