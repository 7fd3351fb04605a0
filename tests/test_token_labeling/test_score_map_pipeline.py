"""The score map rides through flip → RandAugment (rotate) → RandomResizedCrop and becomes
token-grid targets by RoIAlign of the crop box.

The synthetic map names two classes in every cell with logits that are the cell's own original
position: class 0 ↦ 8·x, class 1 ↦ 8·y (x, y of the cell centre normalised to the image, 8×8
cells). Bilinear RoIAlign reproduces a linear function exactly inside the map, so each token's
target must be exactly the original position of that token's centre — worked out here by hand
from the geometry (a horizontal flip, then a 90° clockwise rotation, then the crop). A swapped
x/y box order (the authors' slip), a missed flip or rotation of the map, all move it. The image
encodes its own original pixel coordinates, so the same expectation is checked on the pixels.
"""
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmpretrain.registry import TRANSFORMS

import tlalign_mm  # noqa: F401  (registers the transforms)
from tlalign_mm.datasets.token_labeling import ScoreMapError, ScoreMapWriter

CELLS, SIZE, OUT, GRID = 8, 64, 32, 4


def write_coordinate_map(root, names, num_classes=3):
    writer = ScoreMapWriter(str(root), len(names), (CELLS, CELLS), 2, num_classes, 2,
                            annotator=dict(kind='synthetic'))
    centres = np.arange(CELLS) + 0.5
    logits = np.stack([np.broadcast_to(centres[None], (CELLS, CELLS)),
                       np.broadcast_to(centres[:, None], (CELLS, CELLS))])
    classes = np.stack([np.zeros((CELLS, CELLS)), np.ones((CELLS, CELLS))])
    for row, name in enumerate(names):
        writer.add(row, name, logits, classes)
    writer.close()


def coordinate_picture():
    """uint8 image whose R, G channels are each pixel's own x, y (B = 0)."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    return np.stack([xs, ys, np.zeros_like(xs)], -1).astype(np.uint8)


def pipeline(root, num_classes=3):
    return Compose([TRANSFORMS.build(t) for t in [
        dict(type='LoadScoreMap', root=str(root), num_classes=num_classes),
        dict(type='ScoreMapRandomFlip', prob=1.0, direction='horizontal'),
        dict(type='ScoreMapRandAugment', num_policies=1, magnitude_level=9, policies=[
            dict(type='Rotate', angle=90.0, prob=1.0, random_negative_prob=0.0,
                 interpolation='nearest')]),
        dict(type='ScoreMapRandomResizedCrop', scale=OUT, crop_ratio_range=(0.2, 0.4),
             interpolation='nearest'),
        dict(type='TokenLabelTargets', grid_size=GRID, num_classes=num_classes),
    ]])


def original_position(u, v):
    """Normalised (x, y) in the original image of the point (u, v) of the final frame before
    the crop: undo the 90° clockwise rotation ((x, y) → (1 − y, x)), then the flip."""
    x_flipped, y_flipped = v, 1 - u
    return 1 - x_flipped, y_flipped


def test_flipped_rotated_cropped_map_gives_exact_token_targets(tmp_path):
    write_coordinate_map(tmp_path / 'maps', ['zero/a.png'])
    np.random.seed(14)
    out = pipeline(tmp_path / 'maps')(dict(img=coordinate_picture(),
                                           img_path='/data/train/zero/a.png', gt_label=0))
    x1, y1, x2, y2 = out['crop_box']
    assert min(x1, y1) > 0.5 / CELLS and max(x2, y2) < 1 - 0.5 / CELLS, 'box must be interior'
    assert out['token_classes'].tolist() == [0, 1]
    rows, cols = np.mgrid[0:GRID, 0:GRID]
    u = x1 + (cols + 0.5) * (x2 - x1) / GRID
    v = y1 + (rows + 0.5) * (y2 - y1) / GRID
    want_x, want_y = original_position(u, v)
    got = out['token_logits'].float().reshape(2, GRID, GRID).numpy()
    np.testing.assert_allclose(got[0], CELLS * want_x, atol=4e-3)  # fp16 storage
    np.testing.assert_allclose(got[1], CELLS * want_y, atol=4e-3)

    # Class target: softmax over K of the crop's mean logits (the box centre, linear map).
    cx, cy = original_position((x1 + x2) / 2, (y1 + y2) / 2)
    want_cls = torch.tensor([CELLS * cx, CELLS * cy, 0.0]).softmax(0)
    torch.testing.assert_close(out['gt_score'], want_cls.float(), atol=1e-5, rtol=0)

    # The pixels went the same way: the image at each token centre shows that position.
    img = out['img'].astype(float)
    centre = ((np.arange(GRID) + 0.5) * OUT / GRID).astype(int)
    seen_x = img[centre[:, None], centre[None, :], 0]
    seen_y = img[centre[:, None], centre[None, :], 1]
    np.testing.assert_allclose(seen_x, SIZE * want_x, atol=2.0)
    np.testing.assert_allclose(seen_y, SIZE * want_y, atol=2.0)


def test_bad_score_maps_name_the_image(tmp_path):
    write_coordinate_map(tmp_path / 'maps', ['zero/a.png'])
    sample = dict(img=coordinate_picture(), img_path='/data/train/one/b.png', gt_label=1)
    with pytest.raises(ScoreMapError) as missing:
        pipeline(tmp_path / 'maps')(dict(sample))
    assert str(missing.value).splitlines() == [
        f'no score map for image /data/train/one/b.png in {tmp_path / "maps"} (its index.txt '
        'lists 1 images, not one/b.png)']
    sample['img_path'] = '/data/train/zero/a.png'
    with pytest.raises(ScoreMapError, match=r'^score map of image /data/train/zero/a.png has 3 '
                       r'classes but the head has 10 '):
        pipeline(tmp_path / 'maps', num_classes=10)(dict(sample))
    with pytest.raises(ScoreMapError, match='no score maps in .*nowhere'):
        pipeline(tmp_path / 'nowhere')(dict(sample))
    with pytest.raises(ScoreMapError, match='not empty; refusing to overwrite'):
        write_coordinate_map(tmp_path / 'maps', ['zero/a.png'])


@pytest.mark.parametrize('policy', [
    dict(type='Rotate', magnitude_range=(0, 30)),
    dict(type='Shear', magnitude_range=(0, 0.3), direction='horizontal'),
    dict(type='Shear', magnitude_range=(0, 0.3), direction='vertical'),
    dict(type='Translate', magnitude_range=(0, 0.45), direction='horizontal'),
    dict(type='Translate', magnitude_range=(0, 0.45), direction='vertical'),
])
def test_map_moves_where_the_warped_pixels_went(policy):
    """Against a naive reference: warp an image whose pixels hold their own coordinates with
    the same draw (nearest, border = -1) and read where each cell centre's pixel came from. The
    map is moved analytically (only the cell centres), so it must name the same source cell
    wherever the source point is not within a pixel of a cell edge (the reference rounds to
    pixels), and mark the same cells as coming from outside."""
    grid_h, grid_w, cell_h, cell_w = 6, 8, 9, 11  # odd cells: centres on pixels
    height, width = grid_h * cell_h, grid_w * cell_w
    logits = np.arange(grid_h * grid_w, dtype=np.float32).reshape(1, grid_h, grid_w) + 1
    augment = TRANSFORMS.build(dict(type='ScoreMapRandAugment', num_policies=1,
                                    magnitude_level=9, magnitude_std=0.5,
                                    policies=[dict(policy, prob=1.0)]))
    op = augment.transforms[0]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    coordinates = np.stack([xs, ys, np.zeros_like(xs)], -1)
    centre_rows = np.arange(grid_h) * cell_h + cell_h // 2
    centre_cols = np.arange(grid_w) * cell_w + cell_w // 2
    compared = inside = 0
    for seed in range(20):
        np.random.seed(seed)  # the reference: the same draws, on the coordinates
        saved = op.interpolation, op.pad_val
        op.interpolation, op.pad_val = 'nearest', (-1.0, -1.0, -1.0)
        warped = augment(dict(img=coordinates.copy()))['img']
        op.interpolation, op.pad_val = saved
        np.random.seed(seed)
        moved = augment(dict(img=np.zeros((height, width, 3), np.uint8),
                             score_map=(logits, np.zeros_like(logits, np.int64))))
        got = moved['score_map'][0][0]
        source = warped[centre_rows[:, None], centre_cols[None, :]]  # (grid_h, grid_w, 3)
        outside = source[..., 0] < 0
        want = np.where(outside, 0, logits[0][(source[..., 1] // cell_h).astype(int).clip(
            0, grid_h - 1), (source[..., 0] // cell_w).astype(int).clip(0, grid_w - 1)])
        # source pixel within one pixel of a cell edge or the border: rounding may differ
        near_x = np.minimum(source[..., 0] % cell_w, cell_w - 1 - source[..., 0] % cell_w) < 1
        near_y = np.minimum(source[..., 1] % cell_h, cell_h - 1 - source[..., 1] % cell_h) < 1
        clear = ~outside & ~near_x & ~near_y
        np.testing.assert_array_equal(got[clear], want[clear])
        compared, inside = compared + clear.sum(), inside + (~outside).sum()
        assert (got[outside] == 0).all()
    assert compared > 0.5 * inside > 0.25 * 20 * grid_h * grid_w
