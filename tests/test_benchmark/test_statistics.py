"""Paired seed comparisons: the t interval against hand-computed values, and the wording."""
import pytest

from tlalign_mm.benchmark.statistics import (PairingError, compare_to_baseline,
                                             format_difference, paired_difference,
                                             significance_sentence, t_quantile)

# Two-sided 95% Student-t quantiles from a printed t table.
T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776}


@pytest.mark.parametrize('df', sorted(T_TABLE))
def test_t_quantile_matches_the_printed_table(df):
    assert t_quantile(0.95, df) == pytest.approx(T_TABLE[df], abs=5e-4)


def test_interval_of_three_seeds_by_hand():
    # differences 5, 7, 1: mean 13/3, sample variance ((2/3)^2 + (8/3)^2 + (10/3)^2) / 2 = 28/3,
    # half width 4.303 * sqrt(28/3) / sqrt(3) = 7.589
    diff = paired_difference([70.0, 73.0, 68.0], [65.0, 66.0, 67.0])
    assert diff.n == 3
    assert diff.mean == pytest.approx(13 / 3)
    assert diff.std == pytest.approx((28 / 3) ** 0.5)
    assert diff.low == pytest.approx(13 / 3 - 7.589, abs=2e-3)
    assert diff.high == pytest.approx(13 / 3 + 7.589, abs=2e-3)
    assert not diff.significant


def test_interval_of_two_seeds_by_hand_and_a_significant_one():
    # differences 2, 3: mean 2.5, sd sqrt(0.5), half width 12.706 * sqrt(0.5) / sqrt(2) = 6.353
    two = paired_difference([72.0, 74.0], [70.0, 71.0])
    assert (two.low, two.high) == pytest.approx((2.5 - 6.353, 2.5 + 6.353), abs=2e-3)
    assert not two.significant
    # differences 3, 4, 5: mean 4, sd 1, half width 4.303 / sqrt(3) = 2.484 -> [1.516, 6.484]
    three = paired_difference([13.0, 14.0, 15.0], [10.0, 10.0, 10.0])
    assert (three.low, three.high) == pytest.approx((1.516, 6.484), abs=2e-3)
    assert three.significant
    worse = paired_difference([10.0, 10.0, 10.0], [13.0, 14.0, 15.0])
    assert (worse.low, worse.high) == pytest.approx((-6.484, -1.516), abs=2e-3)
    assert worse.significant
    assert format_difference(three) == '+4.00 [+1.52, +6.48] *'
    assert format_difference(two) == '+2.50 [-3.85, +8.85]'


def test_one_seed_has_no_interval_and_unpaired_lists_are_refused():
    one = paired_difference([5.0], [3.0])
    assert (one.mean, one.low, one.high, one.significant) == (2.0, None, None, False)
    with pytest.raises(PairingError, match='cannot pair 2 values with 3'):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def test_wording_on_a_synthetic_result_set():
    table = {'cutmix': {'cls': [10.0, 10.0, 10.0], 'seg': [30.0, 31.0, 29.0]},
             'tlalign': {'cls': [13.0, 14.0, 15.0], 'seg': [30.5, 30.0, 30.5]},
             'scratch': {'cls': [], 'seg': [20.0, 22.0, 21.0]}}
    comparisons = compare_to_baseline(table, 'cutmix', ['cls', 'seg'])
    assert set(comparisons) == {'tlalign', 'scratch'}
    assert set(comparisons['scratch']) == {'seg'}  # no classification value: left out
    labels = {'cutmix': 'CutMix', 'tlalign': 'TL-Align', 'scratch': 'From scratch'}
    tasks = {'cls': 'Digits cls', 'seg': 'Seg'}
    sentence = significance_sentence(comparisons, 'CutMix', labels, tasks)
    # scratch - cutmix on seg: -10, -9, -8 -> [-12.48, -6.52]; tlalign seg: 0.5, -1, 1.5 -> n.s.
    assert sentence == ('Significant differences from CutMix (95% interval over 3 seeds '
                        'excludes zero): TL-Align on Digits cls (+4.00); From scratch on Seg '
                        '(-9.00). All others include zero.')
    table['tlalign']['cls'] = [13.0, 9.0, 11.0]
    table['scratch']['seg'] = [29.0, 32.0, 30.0]
    sentence = significance_sentence(compare_to_baseline(table, 'cutmix', ['cls', 'seg']),
                                     'CutMix', labels, tasks)
    assert sentence == ('No difference from CutMix is significant: every 95% interval over '
                        '3 seeds includes zero.')
    single = compare_to_baseline({'a': {'x': [1.0]}, 'b': {'x': [2.0]}}, 'a', ['x'])
    assert 'One seed only' in significance_sentence(single, 'A', {'b': 'B'}, {'x': 'X'})


def test_reports_carry_the_paired_intervals(tmp_path):
    import csv
    import json

    from tlalign_mm.benchmark.report import write_reports
    from tlalign_mm.benchmark.spec import Arm, BenchmarkSpec, Task
    spec = BenchmarkSpec(
        arms=[Arm('scratch', None, 'From scratch'), Arm('cutmix', 'c.py', 'CutMix'),
              Arm('tlalign', 't.py', 'TL-Align')],
        tasks=[Task('cls', 'pretrain', 'accuracy/top1', label='Digits cls'),
               Task('det', 'transfer', 'coco/bbox_mAP', 'd.py', label='Det')],
        seeds=[0, 1, 2], data_root=str(tmp_path), baseline='cutmix')
    table = {'scratch': {'cls': [], 'det': [0.10, 0.12, 0.11]},
             'cutmix': {'cls': [10.0, 10.0, 10.0], 'det': [0.20, 0.21, 0.22]},
             'tlalign': {'cls': [13.0, 14.0, 15.0], 'det': [0.21, 0.20, 0.23]}}
    markdown, paths = write_reports(spec, table, str(tmp_path))
    assert '| From scratch | - | 0.110 ± 0.010 |' in markdown
    # det scratch - cutmix: -0.1 each seed, sd 0.01 -> half width 4.303 * 0.01 / sqrt(3)
    assert '| From scratch | - | -0.100 [-0.125, -0.075] * |' in markdown
    assert '| TL-Align | +4.00 [+1.52, +6.48] * | +0.003 [-0.025, +0.032] |' in markdown
    assert ('Significant differences from CutMix (95% interval over 3 seeds excludes zero): '
            'From scratch on Det (-0.100); TL-Align on Digits cls (+4.00).') in markdown
    saved = json.load(open(paths['json']))
    assert saved['baseline'] == 'cutmix' and saved['significance'] in markdown
    assert saved['comparisons']['tlalign']['cls']['low'] == pytest.approx(1.516, abs=2e-3)
    assert saved['comparisons']['tlalign']['det']['significant'] is False
    assert saved['arms']['scratch']['cls'] == dict(values=[], mean=None, std=None)
    rows = {(r['arm'], r['task'], r['statistic']): r['value']
            for r in csv.DictReader(open(paths['csv']))}
    assert float(rows['tlalign', 'cls', 'ci95_high']) == pytest.approx(6.484, abs=2e-3)
    assert rows['tlalign', 'cls', 'significant'] == '1'
    assert rows['tlalign', 'det', 'significant'] == '0'
    assert float(rows['scratch', 'det', 'diff_vs_cutmix']) == pytest.approx(-0.1)
    assert ('cutmix', 'cls', 'diff_vs_cutmix') not in rows  # the baseline against itself
    with open(paths['png'], 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_reports_state_the_detectable_difference_the_gains_and_the_control(tmp_path):
    import csv
    import json

    from tlalign_mm.benchmark.report import write_reports
    from tlalign_mm.benchmark.spec import Arm, BenchmarkSpec, Task
    from tlalign_mm.benchmark.statistics import detectable_differences, detectable_sentence
    spec = BenchmarkSpec(
        arms=[Arm('scratch', None, 'From scratch'), Arm('cutmix', 'c.py', 'CutMix'),
              Arm('short', 's.py', 'Short', control=True), Arm('tlalign', 't.py', 'TL-Align')],
        tasks=[Task('cls', 'pretrain', 'accuracy/top1', label='Digits cls'),
               Task('seg', 'transfer', 'mIoU', 'g.py', label='Seg')],
        seeds=[0, 1, 2], data_root=str(tmp_path), baseline='cutmix')
    table = {'scratch': {'cls': [], 'seg': [20.0, 22.0, 21.0]},
             'cutmix': {'cls': [90.0, 91.0, 92.0], 'seg': [40.0, 41.0, 42.0]},
             'short': {'cls': [80.0, 78.0, 83.0], 'seg': [30.0, 29.0, 31.0]},
             'tlalign': {'cls': [93.0, 93.0, 97.0], 'seg': [21.0, 23.0, 22.0]}}
    # cls: short - cutmix = -10, -13, -9: sd 2.0817, half 4.303 * 2.0817 / sqrt(3) = 5.171;
    #      tlalign - cutmix = 3, 2, 5: sd 1.5275, half 3.795 -> the widest (not the last): 5.171
    # seg: scratch - cutmix = -20 each (sd 0); short - cutmix = -10, -12, -11: half 2.484;
    #      tlalign - cutmix = -19, -18, -20: half 2.484 -> the widest: 2.484
    widest = detectable_differences(compare_to_baseline(table, 'cutmix', ['cls', 'seg']))
    assert widest == pytest.approx({'cls': 5.171, 'seg': 2.484}, abs=2e-3)
    sentence = detectable_sentence(widest, 3, {'cls': 'Digits cls', 'seg': 'Seg'})
    assert sentence == ('Differences smaller than 5.17 (Digits cls), 2.48 (Seg) cannot be told '
                        'apart with these 3 seeds (the widest 95% interval half-width per task).')
    markdown, paths = write_reports(spec, table, str(tmp_path))
    assert sentence in markdown
    assert '| smallest detectable (widest half-width) | ±5.17 | ±2.48 |' in markdown
    assert ('The control arm Short (worse by construction) is flagged significantly worse on '
            'Digits cls.') in markdown
    # gains over scratch (seg): cutmix +20, +19, +21; short +10, +7, +10 (half 4.303 *
    # 1.732 / 1.732 = 4.303 -> [4.70, 13.30]); tlalign +1, +1, +1 (sd 0: [+1, +1], above zero)
    assert '| Short | +9.00 [+4.70, +13.30] * |' in markdown
    assert ('Every pre-trained arm beats From scratch on every transfer task (95% paired '
            'interval above zero).') in markdown
    saved = json.load(open(paths['json']))
    assert saved['detectable']['cls'] == pytest.approx(5.171, abs=2e-3)
    assert saved['detectable_sentence'] == sentence
    assert saved['controls'] == ['short']
    assert saved['gains_over_scratch']['short']['seg']['low'] == pytest.approx(4.697, abs=2e-3)
    rows = {(r['arm'], r['task'], r['statistic']): r['value']
            for r in csv.DictReader(open(paths['csv']))}
    assert float(rows['*', 'cls', 'detectable_half_width']) == pytest.approx(5.171, abs=2e-3)
    assert float(rows['tlalign', 'cls', 'half_width']) == pytest.approx(3.795, abs=2e-3)
    assert rows['short', 'seg', 'gain_significant'] == '1'
    # one arm short of the gain: named, and the control no longer caught
    table['tlalign']['seg'] = [21.0, 21.0, 22.0]
    table['short']['cls'] = [90.0, 92.0, 91.0]  # no longer below CutMix
    markdown, _ = write_reports(spec, table, str(tmp_path))
    assert ('Not shown to beat From scratch (95% paired interval not above zero): TL-Align on '
            'Seg.') in markdown
    assert 'The control arm Short (worse by construction) is NOT flagged' in markdown
