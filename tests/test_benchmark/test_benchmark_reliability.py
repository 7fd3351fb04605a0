"""One benchmark process per work dir (a live owner refuses the second, a dead one's lock is
taken over), and result files replaced atomically."""
import json
import os
import subprocess
import sys

import pytest

from tlalign_mm.benchmark.locking import LOCK_NAME, WorkDirLock, WorkDirLockedError
from tlalign_mm.benchmark.report import write_reports
from tlalign_mm.benchmark.spec import Arm, BenchmarkSpec, Task

from .test_benchmark_runner import SHORT, bench


@pytest.fixture
def live_process():
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])
    yield proc
    proc.kill()
    proc.wait()


def test_second_benchmark_on_a_work_dir_is_refused(digits_root, tmp_path, live_process, tool):
    work = tmp_path / 'bench'
    work.mkdir()
    (work / LOCK_NAME).write_text(f'{live_process.pid} {os.uname().nodename}\n')
    config = tmp_path / 'short.py'
    config.write_text(SHORT)
    out = bench(tool, config, work)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == (
        f'error: work dir {work} is in use by benchmark process {live_process.pid} on this '
        f'machine (lock file {work / LOCK_NAME}); wait for it to finish or use another '
        '--work-dir')
    assert sorted(os.listdir(work)) == [LOCK_NAME]  # no cell was started


def test_stale_lock_is_taken_over_and_released(tmp_path, live_process, capsys):
    live_process.kill()
    live_process.wait()  # its pid is now free: the lock is stale
    (tmp_path / LOCK_NAME).write_text(f'{live_process.pid} {os.uname().nodename}\n')
    with WorkDirLock(str(tmp_path)) as lock:
        assert 'taking over the stale lock' in capsys.readouterr().out
        assert (tmp_path / LOCK_NAME).read_text().split()[0] == str(os.getpid())
        assert lock.path == str(tmp_path / LOCK_NAME)
    assert not (tmp_path / LOCK_NAME).exists()


def test_lock_of_another_live_process_refuses(tmp_path, live_process):
    (tmp_path / LOCK_NAME).write_text(f'{live_process.pid} {os.uname().nodename}\n')
    with pytest.raises(WorkDirLockedError, match=f'in use by benchmark process '
                       f'{live_process.pid}'):
        WorkDirLock(str(tmp_path)).acquire()
    assert (tmp_path / LOCK_NAME).read_text().split()[0] == str(live_process.pid)  # untouched


def test_the_lock_never_appears_without_its_owner(tmp_path, monkeypatch):
    """While the owner's line is being composed (the host name looked up), a second process
    reading the lock path must see either no lock or a complete one: an empty lock file reads as
    stale and is taken over, and two benchmarks run on one work dir."""
    from tlalign_mm.benchmark import locking
    seen = []
    real_hostname = locking.socket.gethostname

    def observing_hostname():
        path = tmp_path / LOCK_NAME
        seen.append(path.read_text() if path.exists() else None)
        return real_hostname()

    monkeypatch.setattr(locking.socket, 'gethostname', observing_hostname)
    with WorkDirLock(str(tmp_path)):
        assert (tmp_path / LOCK_NAME).read_text() == f'{os.getpid()} {real_hostname()}\n'
    assert seen and all(content is None for content in seen), seen
    assert os.listdir(tmp_path) == []  # no staged file left behind


def test_results_are_replaced_atomically(tmp_path, monkeypatch):
    spec = BenchmarkSpec(arms=[Arm('a', 'x.py', 'A')],
                         tasks=[Task('t', 'pretrain', 'accuracy/top1', label='T')], seeds=[0],
                         data_root=str(tmp_path))
    write_reports(spec, {'a': {'t': [50.0]}}, str(tmp_path))
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    assert sorted(before) == ['results.csv', 'results.json', 'results.md', 'results.png']

    def killed(*args):  # the process dies right before the first rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        write_reports(spec, {'a': {'t': [75.0]}}, str(tmp_path))
    monkeypatch.undo()
    after = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    assert after == before  # complete old results, no partial files beside them
    assert json.loads(after['results.json'])['arms']['a']['t']['values'] == [50.0]
