"""``LoadImageFromFile`` that names the file it cannot decode.

mmcv's transform lets OpenCV fail on a zero-byte, truncated or non-image file with an assertion
(``!buf.empty()``) or returns ``None`` for an image PIL/OpenCV reads as nothing, so a corrupt file
among millions ends training with a message that names no file. This subclass keeps the
arguments and behaviour (including ``ignore_empty``) and raises
:class:`~.data_errors.UnreadableImageError` with the path instead.

Importing registers it under its own name, ``CheckedLoadImageFromFile``, for configs that ask
for it. :func:`install_checked_image_loading` (part of :func:`tlalign_mm.install_safety`, which
the project's tools call) also puts it under the stock name in mmcv's and mmpretrain's
``TRANSFORMS`` (the ones mmpretrain, mmseg and mmdet pipelines resolve it from), so every config
gets it without a change.
"""
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmcv.transforms import TRANSFORMS

from .data_errors import UnreadableImageError


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` (same arguments) with errors that name the file."""

    def transform(self, results):
        filename = results['img_path']
        try:
            loaded = super().transform(results)
        except FileNotFoundError:
            raise UnreadableImageError(f'image file not found: {filename}') from None
        except Exception as err:  # noqa: BLE001  OpenCV/PIL raise many types for bad bytes
            size = _size(filename)
            raise UnreadableImageError(
                f'cannot decode image {filename} ({size}): {type(err).__name__}: '
                f'{str(err).strip().splitlines()[-1] if str(err).strip() else ""}'
            ) from None
        return loaded


def _size(path):
    import os
    try:
        size = os.path.getsize(path)
    except OSError:
        return 'unreadable'
    return 'zero bytes' if size == 0 else f'{size} bytes'


def install_checked_image_loading() -> None:
    """Make ``LoadImageFromFile`` the checked loader in every scope (idempotent)."""
    from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS
    # mmseg and mmdet resolve the name through mmcv's registry; mmpretrain registers mmcv's
    # class in its own registry too, so both get the checked one.
    for registry in (TRANSFORMS, MMPRETRAIN_TRANSFORMS):
        registry.register_module(name='LoadImageFromFile', module=CheckedLoadImageFromFile,
                                 force=True)
