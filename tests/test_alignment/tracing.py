"""Test helper: the image labels a tracer gives for a mixed batch (eval-mode forward)."""
import torch

from tlalign_mm.alignment import MixRecordSource, build_tracer


def traced_image_labels(backbone, images, record, mode, kernel='auto'):
    """(image labels (B, K), aligned own-image share (B,)) from one traced forward pass."""
    tracer = build_tracer(backbone, kernel=kernel)
    source = MixRecordSource(record, mode)
    tracer.attach(source)
    try:
        with torch.no_grad():
            backbone(images)
        final = tracer.summary_label()
        return source.image_label(final), source.own_share(final)
    finally:
        tracer.detach()
