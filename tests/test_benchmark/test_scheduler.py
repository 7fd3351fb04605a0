"""The benchmark's job graph: slots, dependencies, start order and failures (no training)."""
import threading
import time

import pytest

from tlalign_mm.benchmark.scheduler import Job, run_jobs


class Recorder:
    """Jobs that log their start and end; ``wait_for`` holds a job until another has started."""

    def __init__(self):
        self.events, self.lock = [], threading.Lock()
        self.started = {}

    def job(self, key, needs=(), wait_for=None, fail=False, linger=0.0):
        self.started[key] = threading.Event()

        def run():
            with self.lock:
                self.events.append(('start', key))
            self.started[key].set()
            if wait_for is not None:  # only passes if `wait_for` runs at the same time
                assert self.started[wait_for].wait(timeout=10), f'{wait_for} never ran beside'
            time.sleep(linger)
            if fail:
                raise RuntimeError(f'{key} failed')
            with self.lock:
                self.events.append(('end', key))
        return Job(key, run, list(needs))


def test_two_slots_run_two_jobs_at_once_and_respect_needs():
    rec = Recorder()
    # a and b can only both finish if they overlap; c needs both.
    jobs = [rec.job('a', wait_for='b'), rec.job('b', wait_for='a'), rec.job('c', ['a', 'b'])]
    run_jobs(jobs, slots=2)
    assert rec.events.index(('start', 'c')) > max(rec.events.index(('end', 'a')),
                                                  rec.events.index(('end', 'b')))
    assert ('end', 'c') in rec.events


def test_one_slot_runs_in_list_order_once_ready():
    rec = Recorder()
    jobs = [rec.job('late', ['pre']), rec.job('pre'), rec.job('free')]
    run_jobs(jobs, slots=1)
    assert [key for kind, key in rec.events if kind == 'start'] == ['pre', 'late', 'free']


def test_after_a_failure_nothing_new_starts_and_the_failure_is_raised():
    rec = Recorder()
    jobs = [rec.job('pre', fail=True), rec.job('child', ['pre']), rec.job('other')]
    with pytest.raises(RuntimeError, match='pre failed'):
        run_jobs(jobs, slots=1)
    assert rec.events == [('start', 'pre')]


def test_running_jobs_finish_after_a_failure_beside_them():
    rec = Recorder()
    # 'slow' outlives 'bad' by far more than the scheduler needs to see the failure
    jobs = [rec.job('slow', wait_for='bad', linger=0.5), rec.job('bad', fail=True),
            rec.job('next')]
    with pytest.raises(RuntimeError, match='bad failed'):
        run_jobs(jobs, slots=2)
    assert ('end', 'slow') in rec.events and ('start', 'next') not in rec.events


def test_a_need_that_is_no_job_is_refused_before_anything_runs():
    rec = Recorder()
    with pytest.raises(ValueError, match=r"needs unknown job\(s\) \['ghost'\]"):
        run_jobs([rec.job('a'), rec.job('b', ['ghost'])], slots=2)
    assert rec.events == []
