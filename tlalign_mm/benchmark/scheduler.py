"""Run a benchmark's jobs side by side, each starting once the jobs it needs have finished.

A benchmark is a small dependency graph: every (arm, seed) pre-training unlocks that arm's
evaluation and transfer cells. Each job is a subprocess, so a thread per running job is enough to
keep ``slots`` of them busy; the graph is walked in the given order, which makes the start order
(and so the log) the same on every run with the same slots.
"""
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field


@dataclass
class Job:
    key: tuple
    run: object  # callable, no arguments
    needs: list = field(default_factory=list)  # keys of jobs that must finish first


def run_jobs(jobs, slots=1):
    """Run ``jobs`` with at most ``slots`` at a time, the first ready job in list order first.

    After a job fails, nothing new starts; the running ones finish (their work is kept for a
    resumed run) and the first failure is raised. A job whose needs failed never starts.
    """
    known = {job.key for job in jobs}
    for job in jobs:
        missing = [need for need in job.needs if need not in known]
        if missing:
            raise ValueError(f'job {job.key} needs unknown job(s) {missing}')
    pending, running, finished, failure = list(jobs), {}, set(), None
    with ThreadPoolExecutor(max_workers=slots) as pool:
        while True:
            while failure is None and len(running) < slots:
                ready = next((job for job in pending
                              if all(need in finished for need in job.needs)), None)
                if ready is None:
                    break
                pending.remove(ready)
                running[pool.submit(ready.run)] = ready
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                if future.exception() is not None:
                    failure = failure or future.exception()
                else:
                    finished.add(job.key)
    if failure is not None:
        raise failure
    if pending:  # only reachable through a cycle
        raise ValueError(f'jobs never became ready: {[job.key for job in pending]}')
