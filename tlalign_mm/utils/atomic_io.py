"""Writes that a kill cannot leave half done: temp file in the same folder, then ``os.replace``.

A process killed while writing a file in place leaves a truncated file under the final name; for
a checkpoint that is the file ``--resume`` picks next and then crashes on, for a benchmark result
it is a cell that looks finished but cannot be read. ``os.replace`` within one file system is
atomic on POSIX and Windows, so readers see either the old file or the complete new one.

mmengine writes every checkpoint through its ``LocalBackend.put``;
:func:`install_atomic_local_backend` registers :class:`AtomicLocalBackend` in mmengine's backend registry under the same name, so
``CheckpointHook`` (and anything else that ``put``s to a local path) writes atomically without
any config change.
"""
import json
import os
import os.path as osp
import tempfile
from contextlib import contextmanager

from mmengine.fileio.backends import LocalBackend, register_backend
from mmengine.fileio import io as mmengine_io

# Temp files end in this, never in ``.pth``/``.json``, so no glob for results picks them up.
TEMP_SUFFIX = '.partial'


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(path, mode='w', **kwargs):
    """Open a temp file beside ``path``; on a clean exit it replaces ``path`` atomically.

    On an exception (or a kill) ``path`` keeps its previous content; the temp file is removed
    when Python gets the chance (a SIGKILL leaves a ``*.partial`` file nothing reads).

    Args:
        path (str): final file name.
        mode (str): ``'w'`` or ``'wb'``. Defaults to ``'w'``.
        **kwargs: passed to :func:`open` (e.g. ``newline=''`` for csv).
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', suffix=TEMP_SUFFIX,
                                dir=folder)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; keep the usual permissions
        os.replace(temp, path)
    except BaseException:
        if osp.exists(temp):
            os.remove(temp)
        raise


def atomic_write_bytes(path, data):
    with atomic_open(path, 'wb') as f:
        f.write(data)


def atomic_write_text(path, text):
    with atomic_open(path, 'w') as f:
        f.write(text)


def atomic_write_json(path, obj, **kwargs):
    """``json.dump`` into ``path`` atomically (``kwargs`` go to :func:`json.dump`)."""
    with atomic_open(path, 'w') as f:
        json.dump(obj, f, **kwargs)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose ``put``/``put_text`` replace the file atomically."""

    def put(self, obj, filepath):
        atomic_write_bytes(str(filepath), obj)

    def put_text(self, obj, filepath, encoding='utf-8'):
        atomic_write_bytes(str(filepath), obj.encode(encoding))


def install_atomic_local_backend():
    """Make :class:`AtomicLocalBackend` mmengine's backend for local paths (idempotent)."""
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    # get_file_backend caches instances; drop any plain LocalBackend made before this call.
    stale = [key for key, backend in mmengine_io.backend_instances.items()
             if type(backend) is LocalBackend]
    for key in stale:
        del mmengine_io.backend_instances[key]
