"""The 15 ImageNet-C corruption families at five severities, for small (digits-size) images.

Our own simple versions with NumPy and OpenCV only (no texture files, no scikit-image): the same
families and the same ordering of severities as Hendrycks & Dietterich's benchmark, with strengths
chosen for 32 px images (a blur radius that suits 224 px would erase a 32 px digit at severity 1).
Every function maps a float RGB image in [0, 1] of shape (H, W, 3), a severity 1..5 and a NumPy
generator to a float image in [0, 1]; a seed therefore gives identical corrupted images.
"""
import cv2
import numpy as np


def _level(values, severity):
    if not 1 <= severity <= len(values):
        raise ValueError(f'severity must be in 1..{len(values)}, got {severity}')
    return values[severity - 1]


def _clip(image):
    return np.clip(image, 0.0, 1.0)


# ---- noise ---------------------------------------------------------------------------------
def gaussian_noise(image, severity, rng):
    sigma = _level((0.08, 0.12, 0.18, 0.26, 0.38), severity)
    return _clip(image + rng.normal(0.0, sigma, image.shape))


def shot_noise(image, severity, rng):
    photons = _level((60, 25, 12, 5, 3), severity)
    return _clip(rng.poisson(image * photons) / photons)


def impulse_noise(image, severity, rng):
    amount = _level((0.03, 0.06, 0.09, 0.17, 0.27), severity)
    out = image.copy()
    hit = rng.random(image.shape) < amount
    out[hit] = (rng.random(int(hit.sum())) < 0.5).astype(image.dtype)
    return out


# ---- blur ----------------------------------------------------------------------------------
def _disk(radius):
    size = int(np.ceil(radius)) * 2 + 1
    axis = np.arange(size) - size // 2
    yy, xx = np.meshgrid(axis, axis, indexing='ij')
    kernel = ((yy**2 + xx**2) <= radius**2 + 0.5).astype(np.float32)
    return kernel / kernel.sum()


def defocus_blur(image, severity, rng):
    radius = _level((1.0, 1.5, 2.0, 2.5, 3.0), severity)
    out = cv2.filter2D(image.astype(np.float32), -1, _disk(radius),
                       borderType=cv2.BORDER_REFLECT)
    return _clip(cv2.GaussianBlur(out, (0, 0), 0.5))  # soften the aliased disk's edge


def _displace(image, dx, dy):
    height, width = image.shape[:2]
    yy, xx = np.meshgrid(np.arange(height), np.arange(width), indexing='ij')
    map_x = (xx + dx).astype(np.float32)
    map_y = (yy + dy).astype(np.float32)
    return cv2.remap(image.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


def glass_blur(image, severity, rng):
    sigma, delta, rounds = _level(((0.4, 1, 1), (0.5, 1, 2), (0.6, 1, 3), (0.7, 2, 2),
                                   (0.9, 2, 3)), severity)
    out = cv2.GaussianBlur(image.astype(np.float32), (0, 0), sigma)
    for _ in range(rounds):  # every pixel takes a random neighbour's value (frosted glass)
        shift = rng.integers(-delta, delta + 1, size=(2, *image.shape[:2]))
        out = _displace(out, shift[0], shift[1])
    return _clip(cv2.GaussianBlur(out, (0, 0), sigma))


def motion_blur(image, severity, rng):
    length = _level((3, 4, 5, 7, 9), severity)
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    angle = rng.uniform(-45, 45)
    rotation = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    kernel /= kernel.sum()
    return _clip(cv2.filter2D(image.astype(np.float32), -1, kernel,
                              borderType=cv2.BORDER_REFLECT))


def _zoom(image, factor):
    height, width = image.shape[:2]
    big = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
    top, left = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    return big[top:top + height, left:left + width]


def zoom_blur(image, severity, rng):
    largest = _level((1.06, 1.11, 1.16, 1.21, 1.26), severity)
    factors = np.arange(1.0, largest + 1e-6, 0.02)
    image = image.astype(np.float32)
    return _clip(sum(_zoom(image, f) for f in factors) / len(factors))


# ---- weather -------------------------------------------------------------------------------
def _low_frequency(shape, rng, octaves=3, base=2):
    """Smooth random field in [0, 1]: octaves of random grids resized bicubically."""
    height, width = shape
    field = np.zeros(shape, np.float32)
    for octave in range(octaves):
        cells = base * 2**octave
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        field += cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC) / 2**octave
    field -= field.min()
    return field / max(field.max(), 1e-6)


def fog(image, severity, rng):
    strength = _level((0.4, 0.6, 0.8, 1.0, 1.3), severity)
    haze = _low_frequency(image.shape[:2], rng)[..., None]
    peak = image.max()
    return _clip((image + strength * haze) * peak / (peak + strength))


def frost(image, severity, rng):
    keep, ice = _level(((0.9, 0.35), (0.8, 0.45), (0.7, 0.55), (0.65, 0.6), (0.6, 0.7)),
                       severity)
    crystals = (rng.random(image.shape[:2]) < 0.15).astype(np.float32)
    crystals = cv2.GaussianBlur(crystals, (0, 0), 0.7)
    layer = _clip(0.6 * _low_frequency(image.shape[:2], rng, base=4) + 2.0 * crystals)
    layer = np.stack([layer * 0.9, layer * 0.95, layer], axis=-1)  # a cold, bluish white
    return _clip(keep * image + ice * layer)


def snow(image, severity, rng):
    density, length, dim = _level(((0.03, 3, 0.9), (0.05, 4, 0.85), (0.07, 5, 0.8),
                                   (0.09, 6, 0.75), (0.12, 7, 0.7)), severity)
    flakes = (rng.random(image.shape[:2]) < density).astype(np.float32)
    kernel = np.zeros((length, length), np.float32)
    kernel[:, length // 2] = 1.0  # falling streaks, tilted below
    rotation = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2),
                                       rng.uniform(-30, 30), 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    streaks = np.clip(cv2.filter2D(flakes, -1, kernel), 0, 1)[..., None]
    grey = image.mean(axis=-1, keepdims=True)
    washed = dim * image + (1 - dim) * np.maximum(image, grey * 1.5 + 0.5)
    return _clip(np.maximum(washed, streaks))


# ---- digital -------------------------------------------------------------------------------
def brightness(image, severity, rng):
    shift = _level((0.1, 0.2, 0.3, 0.4, 0.5), severity)
    hsv = cv2.cvtColor(image.astype(np.float32), cv2.COLOR_RGB2HSV)
    hsv[..., 2] = np.clip(hsv[..., 2] + shift, 0, 1)
    return _clip(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))


def contrast(image, severity, rng):
    factor = _level((0.4, 0.3, 0.2, 0.1, 0.05), severity)
    mean = image.mean(axis=(0, 1), keepdims=True)
    return _clip((image - mean) * factor + mean)


def elastic_transform(image, severity, rng):
    alpha, sigma = _level(((1.5, 2.0), (2.0, 2.0), (2.5, 1.8), (3.0, 1.6), (3.5, 1.5)),
                          severity)
    fields = rng.uniform(-1, 1, size=(2, *image.shape[:2])).astype(np.float32)
    dx, dy = (cv2.GaussianBlur(f, (0, 0), sigma) for f in fields)
    scale = alpha / max(np.abs(dx).max(), np.abs(dy).max(), 1e-6)
    return _clip(_displace(image, dx * scale, dy * scale))


def pixelate(image, severity, rng):
    factor = _level((0.6, 0.5, 0.4, 0.3, 0.25), severity)
    height, width = image.shape[:2]
    small = cv2.resize(image.astype(np.float32), (max(1, round(width * factor)),
                                                  max(1, round(height * factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)


def jpeg_compression(image, severity, rng):
    quality = _level((25, 18, 15, 10, 7), severity)
    pixels = np.ascontiguousarray(np.round(image * 255).astype(np.uint8)[..., ::-1])  # BGR
    ok, encoded = cv2.imencode('.jpg', pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError('JPEG encoding failed')
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255.0


# ImageNet-C's order: noise, blur, weather, digital.
CORRUPTIONS = {
    'gaussian_noise': gaussian_noise, 'shot_noise': shot_noise, 'impulse_noise': impulse_noise,
    'defocus_blur': defocus_blur, 'glass_blur': glass_blur, 'motion_blur': motion_blur,
    'zoom_blur': zoom_blur, 'snow': snow, 'frost': frost, 'fog': fog,
    'brightness': brightness, 'contrast': contrast, 'elastic_transform': elastic_transform,
    'pixelate': pixelate, 'jpeg_compression': jpeg_compression,
}
SEVERITIES = (1, 2, 3, 4, 5)


def corrupt(image, corruption, severity, rng):
    """uint8 RGB (H, W, 3) -> uint8 RGB under ``corruption`` at ``severity``."""
    if corruption not in CORRUPTIONS:
        raise KeyError(f'unknown corruption {corruption!r}; known: {list(CORRUPTIONS)}')
    out = CORRUPTIONS[corruption](image.astype(np.float32) / 255.0, severity, rng)
    return np.round(np.clip(out, 0, 1) * 255).astype(np.uint8)
