"""dist_train.sh / dist_test.sh share one launcher body and refuse a missing or zero process
count in one line, before torch.distributed starts."""
import subprocess

import pytest

from ..conftest import ROOT


@pytest.mark.parametrize('args,message', [
    (['tools/dist_train.sh', 'configs/any.py'],
     'usage: bash tools/dist_train.sh CONFIG GPUS [train.py args]'),
    (['tools/dist_train.sh', 'configs/any.py', '0'],
     "error: the number of GPUs (processes) must be a positive integer, got '0'"),
    (['tools/dist_test.sh', 'configs/any.py', 'ckpt.pth', 'two'],
     "error: the number of GPUs (processes) must be a positive integer, got 'two'"),
])
def test_bad_process_counts_are_one_line(args, message):
    out = subprocess.run(['bash', *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip() == message
