"""tools/analysis/gpu_check.py, the prepared GPU check, in its CPU dry run: every case times the
CutMix and TL-Align arms through the overhead tool, and the labels of the path TL-Align takes
agree with materialised attention (fp32 within float rounding, bf16 autocast within the stated
tolerance); without CUDA and without --dry-run it says so in one line."""
import json
import math

from ..conftest import ONE_THREAD, run_tool

BF16_LABEL_TOLERANCE = 5e-3  # docs/tl_align.md, "GPU check"


def test_dry_run_records_every_case_and_the_label_check(tmp_path):
    out = tmp_path / 'gpu_check.json'
    done = run_tool(['tools/analysis/gpu_check.py', '--dry-run', '--out', str(out)],
                    env_extra=ONE_THREAD)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    record = json.loads(out.read_text())
    assert record['dry_run'] and record['device'] == 'cpu (dry run)'
    assert set(record['cases']) == {'deit-s_b32_fp32', 'deit-s_b128_fp32', 'deit-s_b32_bf16',
                                    'deit-s_b128_bf16', 'swin-t_b32_fp32',
                                    'deit-s_b128_bf16_compiled'}
    for arms in record['cases'].values():
        assert set(arms) == {'cutmix', 'tlalign-scalar'}
        assert arms['cutmix']['time_ratio'] == 1.0
        assert math.isfinite(arms['tlalign-scalar']['time_ratio'])
    labels = record['labels']
    assert labels['deit-s_fp32'] < 1e-5 and labels['swin-t_fp32'] < 1e-5
    assert labels['deit-s_bf16'] < BF16_LABEL_TOLERANCE
    assert labels['swin-t_bf16'] < BF16_LABEL_TOLERANCE

    again = run_tool(['tools/analysis/gpu_check.py', '--dry-run', '--out', str(out)])
    assert again.returncode == 1 and again.stderr.strip().splitlines()[-1] == (
        f'error: {out} exists; pass --overwrite to replace it')


def test_without_cuda_the_real_run_is_refused_in_one_line(tmp_path):
    import torch
    if torch.cuda.is_available():
        return
    done = run_tool(['tools/analysis/gpu_check.py', '--out', str(tmp_path / 'x.json')])
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        'error: no CUDA device; run with --dry-run to check the script on CPU')
