"""d90: the smallest subspace dimension reaching 90% of full fine-tuning's accuracy."""


def d90(dims, accuracies, full_accuracy, fraction=0.9):
    """Smallest d in ``dims`` whose accuracy is at least ``fraction`` x ``full_accuracy``.

    Returns None when no d reaches it (the sweep's largest d is then a lower bound).
    """
    target = fraction * full_accuracy
    reached = [d for d, acc in sorted(zip(dims, accuracies)) if acc >= target]
    return reached[0] if reached else None
