"""File writing shared by the makers, fixed so that a seed gives byte-identical files.

OpenCV's encoders are deterministic for fixed parameters, so pinning the JPEG quality and the
PNG compression level here (and nowhere else) is what makes two runs write the same bytes.
"""
import os

import cv2
import numpy as np

JPEG_QUALITY = 95
PNG_COMPRESSION = 3


def write_image(path, image):
    """Write an RGB (H, W, 3) or single-channel (H, W) uint8 image; format from the suffix.

    PNG is lossless (labels, classification images); JPEG uses quality 95 like real datasets.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image = np.ascontiguousarray(image)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    suffix = os.path.splitext(path)[1].lower()
    if suffix in ('.jpg', '.jpeg'):
        params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    elif suffix == '.png':
        params = [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION]
    else:
        raise ValueError(f'unsupported image suffix {suffix!r} for {path}')
    if not cv2.imwrite(path, image, params):
        raise OSError(f'could not write {path}')


def write_lines(path, lines):
    """Write text lines with Unix newlines (annotation lists, class lists)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.writelines(f'{line}\n' for line in lines)
