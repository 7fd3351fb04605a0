"""tools/analysis/tlalign_overhead.py end to end on tiny models (ratios are not asserted: speed
is the benchmark's business, not a unit test's; its bookkeeping is).

The timing mode re-launches itself (the caching heap) and starts a process per arm for the peak
memory, so it runs once, on the tiny DeiT; every backbone's arms are built, trained a step and
traced by the counting mode, in the test process."""
import json
import os.path as osp

import pytest

from ..conftest import ROOT
from ..conftest import run_tool

TOOL = osp.join(ROOT, 'tools', 'analysis', 'tlalign_overhead.py')
TINY_RUN = ['--batch', '2', '--num-classes', '10', '--rounds', '2',
            '--steps', '1', '--warmup', '1']


def test_overhead_tool_reports_every_arm(tmp_path):
    arms = ['cutmix', 'tlalign-kdim']  # each arm: timed steps and a fresh process for its peak
    out_json = str(tmp_path / 'overhead.json')
    out = run_tool([TOOL, '--backbone', 'vit', '--arch', 'deit-tiny', '--img-size', '32',
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


def test_unknown_kernel_is_refused(tool):
    out = tool([TOOL, '--kernel', 'flash'])
    assert out.returncode != 0
    assert "invalid choice: 'flash'" in out.stderr


@pytest.mark.parametrize('backbone,arch,size,label_ops', [
    # one residual blend per block, from the one propagation rule: the head mean and the blend
    # in one in-place batched product, for any label width
    ('vit', 'deit-tiny', 32, {'baddbmm_': 12}),
    # Swin-T (it needs 7 tokens at stage 4; 2 + 2 + 6 + 2 blocks): the window's attention moves
    # the labels (one bmm per block), the blend is the rule's lerp, one more for the image label
    ('swin', 'tiny', 224, {'bmm': 12, 'lerp': 12 + 1}),
])
def test_count_ops_reports_the_host_work_per_block(backbone, arch, size, label_ops, tmp_path,
                                                   tool):
    """One counted step per arm: CutMix is the zero line; the traced arms add their label ops
    (the riding kernel's padding and blend among them) and tlalign_mm Python calls."""
    out_json = str(tmp_path / 'ops.json')
    out = tool([TOOL, '--backbone', backbone, '--arch', arch, '--img-size', str(size),
                '--batch', '2', '--num-classes', '10', '--count-ops', '--device', 'cpu',
                '--out', out_json], env_extra={'OMP_NUM_THREADS': '1'})
    assert out.returncode == 0, out.stderr[-3000:]
    with open(out_json) as f:
        results = json.load(f)
    assert results['blocks'] == 12
    rows = results['arms']
    assert rows['cutmix']['extra_ops_per_block'] == 0 and rows['cutmix']['python_calls'] == 0
    for arm in ('tlalign-scalar', 'tlalign-kdim'):
        assert rows[arm]['extra_ops_per_block'] > 0 and rows[arm]['python_calls'] > 0
        for op, count in label_ops.items():
            assert rows[arm]['top_extra_ops'][op] == count, (op, rows[arm]['top_extra_ops'])
    assert 'extra/block' in out.stdout


def test_count_ops_as_on_cuda_counts_the_gpu_path_without_host_syncs(tmp_path, tool):
    """--as-device cuda: the tracer picks what CUDA training picks (riding for fp32 scalar
    labels, the recomputing sdpa kernel for 1000-class-wide K-dim labels) while the ops run
    here; no traced arm adds a host synchronisation (.item(), nonzero) to the step."""
    out_json = str(tmp_path / 'ops.json')
    out = tool([TOOL, '--arch', 'deit-tiny', '--img-size', '32', '--batch', '2',
                '--num-classes', '10', '--count-ops', '--device', 'cpu', '--as-device', 'cuda',
                '--out', out_json], env_extra={'OMP_NUM_THREADS': '1'})
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'kernels as on cuda' in out.stdout
    with open(out_json) as f:
        rows = json.load(f)['arms']
    assert rows['tlalign-scalar']['top_extra_ops']['split_with_sizes_copy'] == 12  # riding
    assert rows['tlalign-scalar']['extra_ops_per_block'] <= 8.5
    for arm in ('tlalign-scalar', 'tlalign-kdim'):
        assert rows[arm]['extra_host_syncs'] == {}, rows[arm]['extra_host_syncs']
