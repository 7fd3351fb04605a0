"""One benchmark process per work dir: a lock file that names its owner.

Two benchmark processes on one work dir would both run every unfinished cell into the same
folders (logs overwritten or interleaved, a checkpoint written while the other reads it). The
lock is a file holding the owner's pid and host, written complete under a temporary name and
then hard-linked to the lock name (``link`` fails when the name exists, atomically on local file
systems), so no process ever sees the lock without its owner; a second process is refused with
a message naming them. A lock left by a process that no longer exists (killed, machine
rebooted) is taken over, so a crash never blocks the next run.
"""
import atexit
import os
import os.path as osp
import socket
from ..errors import TLAlignError

LOCK_NAME = '.benchmark.lock'


class WorkDirLockedError(TLAlignError, RuntimeError):
    """Another live benchmark process owns the work dir."""


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _read_owner(path):
    try:
        with open(path) as f:
            pid, _, host = f.read().strip().partition(' ')
        return int(pid), host
    except (OSError, ValueError):
        return None, None  # half-written or unreadable: treated as stale


class WorkDirLock:
    """Context manager holding ``<work_dir>/.benchmark.lock`` while the benchmark runs.

    Args:
        work_dir (str): the benchmark's work dir (created if missing).
    """

    def __init__(self, work_dir):
        self.path = osp.join(work_dir, LOCK_NAME)

    def _try_create(self) -> bool:
        """Publish a lock file that already holds its owner, or return False if one exists."""
        staged = f'{self.path}.{os.getpid()}.{socket.gethostname()}.tmp'
        with open(staged, 'w') as f:
            f.write(f'{os.getpid()} {socket.gethostname()}\n')
        try:
            os.link(staged, self.path)
        except FileExistsError:
            return False
        finally:
            os.remove(staged)
        return True

    def acquire(self):
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        for _ in range(2):  # once more after removing a stale lock
            if self._try_create():
                return self
            pid, host = _read_owner(self.path)
            here = socket.gethostname()
            if pid is not None and (host != here or _pid_alive(pid)) and pid != os.getpid():
                where = 'this machine' if host == here else f'host {host}'
                raise WorkDirLockedError(
                    f'work dir {osp.dirname(self.path)} is in use by benchmark process {pid} '
                    f'on {where} (lock file {self.path}); wait for it to finish or use '
                    'another --work-dir')
            print(f'taking over the stale lock {self.path} (process {pid} is gone)',
                  flush=True)
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass
        raise WorkDirLockedError(f'could not take the lock {self.path}: another process '
                                 'created it at the same moment; retry')

    def release(self):
        pid, _ = _read_owner(self.path)
        if pid == os.getpid():
            os.remove(self.path)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


_HELD = {}


def hold_work_dir(work_dir):
    """Take ``work_dir``'s lock for the rest of this process (released at exit; idempotent).

    The benchmark takes it once its config has been checked and before the first cell writes,
    and keeps it through the best-checkpoint evaluation that follows in the same process.
    """
    key = osp.abspath(work_dir)
    if key not in _HELD:
        _HELD[key] = WorkDirLock(key).acquire()
        atexit.register(_HELD[key].release)
    return _HELD[key]
