"""tools/analysis/tlalign_overhead.py --backbone iformer, smoke-tested at 32 px through its
counting mode (one real train step per arm; timing ratios are the benchmark's business)."""
import json
import os.path as osp

from ..conftest import ROOT

TOOL = osp.join(ROOT, 'tools', 'analysis', 'tlalign_overhead.py')


def test_iformer_arms_build_train_and_trace_every_block(tmp_path, tool):
    out_json = str(tmp_path / 'ops.json')
    out = tool([TOOL, '--backbone', 'iformer', '--arch', 'small', '--img-size', '32',
                '--batch', '2', '--num-classes', '10', '--count-ops', '--device', 'cpu',
                '--arms', 'cutmix', 'tlalign-scalar', '--out', out_json],
               env_extra={'OMP_NUM_THREADS': '1'})
    assert out.returncode == 0, out.stderr[-3000:]
    with open(out_json) as f:
        results = json.load(f)
    assert results['config']['patch_size'] == 4  # the token-CutMix box snaps to the stem grid
    assert results['blocks'] == 18  # iFormer-S: 3 + 3 + 9 + 3
    rows = results['arms']
    assert rows['cutmix']['extra_ops_per_block'] == 0
    for arm in ('tlalign-scalar', ):
        # (the backbone itself is tlalign_mm code, so the baseline makes package calls too)
        assert rows[arm]['python_calls'] > rows['cutmix']['python_calls']
        # one residual blend per block, from the shared propagation rule, and the image
        # label a·own + (1 − a)·partner from the summary share
        assert rows[arm]['top_extra_ops']['lerp'] == 18 + 1
        # label pooling: the 6 blocks of stages 1-2 (the mixer's own 2x2 pool), 3 transitions
        # (labels and real-cell count each) and the stem's 4 px cells (the share only: 32 px
        # is whole cells, so no valid-pixel count)
        assert rows[arm]['top_extra_ops']['avg_pool2d'] == 6 + 3 * 2 + 1
