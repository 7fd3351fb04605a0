"""Mean and spread of one cell's seeds, and how the reports print them."""
import statistics
from typing import List, Optional, Tuple


def summarise(values: List[float]) -> Tuple[Optional[float], Optional[float]]:
    """(mean, sample std) of one cell's seeds; (None, None) for a cell that does not exist
    (a from-scratch arm has no pre-trained classifier to evaluate)."""
    if not values:
        return None, None
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def number(value: float) -> str:
    # Percent metrics (accuracy, mIoU) read well with two decimals; COCO's AP lives in [0, 1],
    # where two decimals would print a learning model as 0.00.
    return f'{value:.2f}' if value == 0 or abs(value) >= 1 else f'{value:.3f}'


def fmt(values: List[float]) -> str:
    """``mean ± std`` over seeds (the mean alone for one seed, ``-`` for none)."""
    if not values:
        return '-'
    mean, std = summarise(values)
    return f'{number(mean)} ± {number(std)}' if len(values) > 1 else number(mean)
