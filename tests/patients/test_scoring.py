"""Worked examples for patients.scoring, each computed by hand in a comment."""

from __future__ import annotations

import dataclasses

import pytest

from patients.scoring import (
    INSTRUMENTS,
    PERCENT_RULE,
    SBST_PATHWAYS,
    Score,
    change,
    nprs_mean,
    score,
)

# Eight STarT Back yes/no items, written as strings of 0/1 to keep tables short.


def _sbst(items_1_to_8: str, item9: int) -> list[bool | int]:
    return [c == "1" for c in items_1_to_8] + [item9]


def _odi_total(total: int) -> list[int]:
    # Fill sections with 5s, then the remainder, then 0s: ten sections summing to `total`.
    sections = [5] * (total // 5) + ([total % 5] if total % 5 else [])
    return sections + [0] * (10 - len(sections))


# --- registry -----------------------------------------------------------------


def test_registry_holds_every_instrument_in_the_design_table():
    assert set(INSTRUMENTS) == {"nprs", "odi", "rmdq", "psfs", "ndi", "lefs", "sbst"}
    for code, instrument in INSTRUMENTS.items():
        assert instrument.code == code
        assert instrument.name
        assert instrument.short_name
        assert instrument.unit


def test_only_psfs_and_lefs_are_higher_is_better():
    assert {c for c, i in INSTRUMENTS.items() if i.higher_is_better} == {"psfs", "lefs"}


def test_percent_rule_belongs_to_odi_rmdq_and_nprs():
    assert {c for c, i in INSTRUMENTS.items() if i.has_percent_rule} == {"odi", "rmdq", "nprs"}
    assert PERCENT_RULE == 30


@pytest.mark.parametrize(
    ("code", "mcid", "low", "high"),
    [
        ("nprs", 2, 0, 10),
        ("odi", 10, 0, 100),
        ("rmdq", 5, 0, 24),
        ("psfs", 2, 0, 10),
        ("ndi", 7.5, 0, 50),
        ("lefs", 9, 0, 80),
        ("sbst", None, 0, 9),
    ],
)
def test_registry_mcid_and_range(code, mcid, low, high):
    instrument = INSTRUMENTS[code]
    assert instrument.mcid == mcid
    assert (instrument.min_value, instrument.max_value) == (low, high)
    assert instrument.tracked_for_change is (mcid is not None)


def test_licensed_instruments_carry_section_names_only():
    assert {c for c, i in INSTRUMENTS.items() if i.item_text_licensed} == {"odi", "ndi", "sbst"}
    odi = INSTRUMENTS["odi"].sections
    assert len(odi) == 10
    assert odi[0] == "Pain intensity"
    assert odi[-1] == "Travelling"
    ndi = INSTRUMENTS["ndi"].sections
    assert len(ndi) == 10
    assert ndi[3] == "Reading"
    assert ndi[-1] == "Recreation"
    assert len(INSTRUMENTS["sbst"].sections) == 9
    # Short labels, not question sentences.
    for label in odi + ndi + INSTRUMENTS["sbst"].sections:
        assert len(label) <= 30
        assert "?" not in label


def test_sbst_has_a_pathway_and_label_per_risk_group():
    assert set(SBST_PATHWAYS) == {"low", "medium", "high"}
    assert INSTRUMENTS["sbst"].pathways == SBST_PATHWAYS
    assert set(INSTRUMENTS["sbst"].band_labels) == {"low", "medium", "high"}
    assert "psycholog" not in SBST_PATHWAYS["low"]


def test_odi_band_labels_cover_every_band():
    assert list(INSTRUMENTS["odi"].band_labels) == ["0-20", "21-40", "41-60", "61-80", "81-100"]


def test_score_is_frozen():
    result = score("nprs", 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = 5  # type: ignore[misc]


# --- codes --------------------------------------------------------------------


@pytest.mark.parametrize("code", ["xyz", "", "ODI", None, 3])
def test_unknown_codes_raise(code):
    with pytest.raises(ValueError, match="unknown instrument code"):
        score(code, 5)
    with pytest.raises(ValueError, match="unknown instrument code"):
        change(code, 5, 3)


# --- ODI ----------------------------------------------------------------------


def test_odi_all_answered():
    # 3+2+1+2+3+2+1+2+3+1 = 20 over 10 sections → 20/50 = 40 %, band 21-40.
    result = score("odi", [3, 2, 1, 2, 3, 2, 1, 2, 3, 1])
    assert result.code == "odi"
    assert result.valid is True
    assert result.value == 40.0
    assert result.band == "21-40"
    assert result.band_label
    assert result.missing == 0
    assert result.percent is None
    assert result.psychosocial is None


def test_odi_with_one_unanswered_section():
    # 9 answered sections summing to 9 → 9/45 = 20 %, band 0-20.
    result = score("odi", [1, 1, 1, 1, None, 1, 1, 1, 1, 1])
    assert result.valid is True
    assert result.value == 20.0
    assert result.band == "0-20"
    assert result.missing == 1


def test_odi_with_two_unanswered_sections():
    # 3+2+2+3+2+2+2+2 = 18 over 8 answered → 18/40 = 45 %, band 41-60.
    result = score("odi", [3, 2, None, 2, 3, 2, None, 2, 2, 2])
    assert result.valid is True
    assert result.value == 45.0
    assert result.band == "41-60"
    assert result.missing == 2


def test_odi_uneven_percentage_is_not_rounded():
    # 9 answered summing to 19 → 19/45 = 42.22… %, band 41-60.
    result = score("odi", [2, 2, 2, 2, 2, 2, 2, 2, 3, None])
    assert result.value == pytest.approx(42.2222222)
    assert result.band == "41-60"


def test_odi_is_invalid_with_three_unanswered_sections():
    result = score("odi", [3, 2, None, 2, None, 2, None, 2, 2, 2])
    assert result.valid is False
    assert result.value is None
    assert result.band is None
    assert result.missing == 3
    assert "3 sections" in result.reason


def test_odi_is_invalid_when_nothing_is_answered():
    result = score("odi", [None] * 10)
    assert result.valid is False
    assert result.value is None
    assert result.missing == 10


@pytest.mark.parametrize(
    ("total", "percent", "band"),
    [
        # sum over 10 sections x2 = percent
        (0, 0.0, "0-20"),
        (10, 20.0, "0-20"),
        (11, 22.0, "21-40"),
        (20, 40.0, "21-40"),
        (21, 42.0, "41-60"),
        (30, 60.0, "41-60"),
        (31, 62.0, "61-80"),
        (40, 80.0, "61-80"),
        (41, 82.0, "81-100"),
        (50, 100.0, "81-100"),
    ],
)
def test_odi_band_boundaries(total, percent, band):
    result = score("odi", _odi_total(total))
    assert result.value == percent
    assert result.band == band


def test_odi_band_boundary_with_reduced_denominator():
    # 8 answered: 8/40 = 20 % → 0-20; 9/40 = 22.5 % → 21-40.
    assert score("odi", [1] * 8 + [None, None]).band == "0-20"
    assert score("odi", [2] + [1] * 7 + [None, None]).value == 22.5
    assert score("odi", [2] + [1] * 7 + [None, None]).band == "21-40"


# --- NDI ----------------------------------------------------------------------


def test_ndi_all_answered():
    # 1+2+3+1+2+3+1+2+3+2 = 20 → raw 20/50, percent 40.
    result = score("ndi", [1, 2, 3, 1, 2, 3, 1, 2, 3, 2])
    assert result.valid is True
    assert result.value == 20
    assert result.percent == 40
    assert result.band is None
    assert result.missing == 0


def test_ndi_one_missing_takes_the_mean_of_the_answered():
    # 9 answered summing to 18, mean 2 → raw 18 + 2 = 20, percent 40.
    result = score("ndi", [2, 2, 2, None, 2, 2, 2, 2, 2, 2])
    assert result.value == 20
    assert result.percent == 40
    assert result.missing == 1


def test_ndi_one_missing_with_an_uneven_mean():
    # 9 answered summing to 20, mean 20/9 = 2.22… → raw 22.22…, percent 44.44….
    result = score("ndi", [3, 3, 2, 2, 2, 2, 2, 2, 2, None])
    assert result.value == pytest.approx(200 / 9)
    assert result.percent == pytest.approx(400 / 9)
    assert result.percent == result.value * 2


def test_ndi_two_missing_take_the_mean_of_the_answered():
    # 8 answered summing to 12, mean 1.5 → raw 12 + 2x1.5 = 15, percent 30.
    result = score("ndi", [None, 1, 2, 1, 2, 1, 2, None, 1, 2])
    assert result.valid is True
    assert result.value == 15
    assert result.percent == 30
    assert result.missing == 2


def test_ndi_is_invalid_with_three_missing():
    result = score("ndi", [None, 1, 2, None, 2, 1, 2, None, 1, 2])
    assert result.valid is False
    assert result.value is None
    assert result.percent is None
    assert result.missing == 3


def test_ndi_extremes():
    assert score("ndi", [0] * 10).value == 0
    assert score("ndi", [5] * 10).value == 50
    assert score("ndi", [5] * 10).percent == 100


# --- RMDQ, NPRS, PSFS, LEFS -----------------------------------------------------


def test_rmdq_counts_ticked_items():
    # 7 ticked of 24.
    answers = [True] * 7 + [False] * 17
    result = score("rmdq", answers)
    assert result.value == 7
    assert result.valid is True
    assert result.band is None


def test_rmdq_extremes():
    assert score("rmdq", [False] * 24).value == 0
    assert score("rmdq", [True] * 24).value == 24


@pytest.mark.parametrize("value", [0, 6, 10])
def test_nprs_is_the_rating_itself(value):
    result = score("nprs", value)
    assert result.value == value
    assert result.valid is True
    assert result.band is None


@pytest.mark.parametrize(
    ("best", "worst", "now", "value"),
    [
        (2, 8, 3, 4),  # 13 / 3 = 4.33 → 4
        (2, 8, 4, 5),  # 14 / 3 = 4.67 → 5, not the "now" rating alone
        (0, 0, 1, 0),  # 0.33 → 0
        (0, 1, 1, 1),  # 0.67 → 1
        (5, 5, 5, 5),
        (0, 0, 0, 0),
        (10, 10, 10, 10),
        (9, 10, 10, 10),  # 9.67 → 10, never above the scale
    ],
)
def test_nprs_value_is_the_rounded_mean_of_best_worst_and_now(best, worst, now, value):
    mean = nprs_mean(best, worst, now)
    assert mean == value and isinstance(mean, int)
    # The public answer shape stays one whole number.
    assert score("nprs", mean).value == value


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ((11, 5, 5), "nprs best"),
        ((5, -1, 5), "nprs worst"),
        ((5, 5, True), "nprs now"),
        ((5, 5, "5"), "nprs now"),
        ((5, None, 5), "nprs worst"),
        ((5, 5.5, 5), "nprs worst"),
    ],
)
def test_nprs_mean_refuses_bad_ratings_and_names_them(ratings, message):
    with pytest.raises(ValueError, match=message):
        nprs_mean(*ratings)


@pytest.mark.parametrize(
    ("ratings", "mean"),
    [
        ([3, 4, 5], 4),  # 12 / 3
        ([2, 4, 6, 8], 5),  # 20 / 4
        ([1, 2, 3, 4, 5], 3),  # 15 / 5
        ([0, 0, 0], 0),
        ([10, 10, 10, 10, 10], 10),
    ],
)
def test_psfs_is_the_mean_of_three_to_five_activities(ratings, mean):
    result = score("psfs", ratings)
    assert result.value == mean
    assert result.valid is True


def test_psfs_uneven_mean():
    # 7 + 8 + 8 = 23, / 3 = 7.67.
    assert score("psfs", [7, 8, 8]).value == pytest.approx(23 / 3)


def test_lefs_sums_all_twenty_items():
    # 10 x 2 + 10 x 3 = 50.
    assert score("lefs", [2] * 10 + [3] * 10).value == 50
    assert score("lefs", [0] * 20).value == 0
    assert score("lefs", [4] * 20).value == 80


def test_lefs_requires_every_item():
    with pytest.raises(ValueError, match="lefs item 20"):
        score("lefs", [4] * 19 + [None])


# --- STarT Back -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "item9", "total", "psychosocial", "risk"),
    [
        # 5, 6, 7 agreed + item 9 "very much" → psychosocial 4, total 4 → high.
        ("00001110", 3, 4, 4, "high"),
        # Everything → total 9, psychosocial 5 → high.
        ("11111111", 4, 9, 5, "high"),
        # Total 8 and psychosocial 4: both cut-offs reached, psychosocial wins → high.
        ("11111110", 4, 8, 4, "high"),
        # Items 1-4 → total 4, psychosocial 0 → medium.
        ("11110000", 2, 4, 0, "medium"),
        # 1, 5, 6, 7 → total 4, psychosocial 3 (one short of high) → medium.
        ("10001110", 0, 4, 3, "medium"),
        # Items 1-3 → total 3 → low.
        ("11100000", 0, 3, 0, "low"),
        # 5, 6 + item 9 "extremely" → total 3, psychosocial 3 → low.
        ("00001100", 4, 3, 3, "low"),
        # Nothing → low.
        ("00000000", 0, 0, 0, "low"),
    ],
)
def test_sbst_risk_groups(items, item9, total, psychosocial, risk):
    result = score("sbst", _sbst(items, item9))
    assert result.value == total
    assert result.psychosocial == psychosocial
    assert result.band == risk
    assert result.band_label == INSTRUMENTS["sbst"].band_labels[risk]
    assert result.valid is True


@pytest.mark.parametrize(
    ("item9", "counts"),
    [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1)],  # only "very much" (3) and "extremely" (4)
)
def test_sbst_item9_counts_only_for_its_top_two_answers(item9, counts):
    result = score("sbst", _sbst("00000000", item9))
    assert result.value == counts
    assert result.psychosocial == counts


def test_sbst_items_one_to_four_are_not_psychosocial():
    # Items 1-4 plus item 9 → total 5, psychosocial 1 → medium.
    result = score("sbst", _sbst("11110000", 4))
    assert result.value == 5
    assert result.psychosocial == 1
    assert result.band == "medium"


# --- bad shapes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "answers"),
    [
        # ODI / NDI
        ("odi", [1] * 9),
        ("odi", [1] * 11),
        ("odi", [True] + [1] * 9),
        ("odi", [6] + [1] * 9),
        ("odi", [-1] + [1] * 9),
        ("odi", [2.0] + [1] * 9),
        ("odi", ["3"] + [1] * 9),
        ("odi", "1111111111"),
        ("odi", 20),
        ("odi", None),
        ("odi", {1: 1}),
        ("ndi", [1] * 9),
        ("ndi", [False] + [1] * 9),
        ("ndi", [6] + [1] * 9),
        ("ndi", [1.5] + [1] * 9),
        # RMDQ
        ("rmdq", [True] * 23),
        ("rmdq", [True] * 25),
        ("rmdq", [1] + [True] * 23),
        ("rmdq", [None] + [True] * 23),
        ("rmdq", 7),
        # NPRS
        ("nprs", 11),
        ("nprs", -1),
        ("nprs", True),
        ("nprs", 5.0),
        ("nprs", "5"),
        ("nprs", None),
        ("nprs", [5]),
        # PSFS
        ("psfs", []),
        ("psfs", [5, 5]),
        ("psfs", [5] * 6),
        ("psfs", [5, 5, 11]),
        ("psfs", [5, 5, -1]),
        ("psfs", [5, 5, None]),
        ("psfs", [5, 5, True]),
        ("psfs", [5, 5, 5.5]),
        # LEFS
        ("lefs", [4] * 19),
        ("lefs", [4] * 21),
        ("lefs", [5] + [4] * 19),
        ("lefs", [-1] + [4] * 19),
        ("lefs", [True] + [4] * 19),
        # STarT Back
        ("sbst", [False] * 8),
        ("sbst", [False] * 8 + [0, 0]),
        ("sbst", [False] * 8 + [True]),
        ("sbst", [False] * 8 + [5]),
        ("sbst", [False] * 8 + [-1]),
        ("sbst", [False] * 8 + [None]),
        ("sbst", [1] + [False] * 7 + [0]),
        ("sbst", [None] + [False] * 7 + [0]),
        ("sbst", [False] * 9),
        ("sbst", None),
    ],
)
def test_bad_shapes_raise_value_error(code, answers):
    with pytest.raises(ValueError, match=code):
        score(code, answers)


def test_error_names_the_offending_item():
    with pytest.raises(ValueError, match=r"odi item 4: expected a whole number 0-5, got 7"):
        score("odi", [1, 1, 1, 7, 1, 1, 1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"expected 24 answers, got 23"):
        score("rmdq", [True] * 23)
    with pytest.raises(ValueError, match=r"expected 3 to 5 answers, got 2"):
        score("psfs", [1, 2])


def test_tuples_are_accepted_like_lists():
    assert score("psfs", (3, 4, 5)).value == 4


# --- change: direction ----------------------------------------------------------


def test_change_is_positive_when_a_higher_is_worse_score_falls():
    # ODI 40 → 28: 40 - 28 = 12 better.
    result = change("odi", 40, 28)
    assert result.code == "odi"
    assert result.baseline == 40
    assert result.current == 28
    assert result.delta == 12
    assert result.threshold == 10


def test_change_is_negative_when_a_higher_is_worse_score_rises():
    # ODI 20 → 30: 20 - 30 = -10, worse; 10 points of worsening meets nothing.
    result = change("odi", 20, 30)
    assert result.delta == -10
    assert result.points_rule_met is False
    assert result.percent_rule_met is False
    assert result.percent_change == -50
    assert result.mcid_met is False


@pytest.mark.parametrize("code", ["psfs", "lefs"])
def test_change_is_positive_when_a_higher_is_better_score_rises(code):
    # 3 → 5: 5 - 3 = +2.
    assert change(code, 3, 5).delta == 2
    assert change(code, 5, 3).delta == -2


# --- change: MCID rules --------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "baseline", "current", "delta", "points", "percent", "met"),
    [
        # ODI: 10 points or 30 %.
        ("odi", 40, 28, 12, True, True, True),  # 12 ≥ 10; 12/40 = 30 %
        ("odi", 80, 70, 10, True, False, True),  # 10 ≥ 10; 10/80 = 12.5 %
        ("odi", 20, 14, 6, False, True, True),  # 6 < 10; 6/20 = 30 %
        ("odi", 50, 42, 8, False, False, False),  # 8 < 10; 8/50 = 16 %
        ("odi", 32, 23, 9, False, False, False),  # 9 < 10; 9/32 = 28.1 %
        # RMDQ: 5 points or 30 %.
        ("rmdq", 20, 15, 5, True, False, True),  # 5 ≥ 5; 5/20 = 25 %
        ("rmdq", 10, 7, 3, False, True, True),  # 3 < 5; 3/10 = 30 %
        ("rmdq", 10, 8, 2, False, False, False),  # 2 < 5; 2/10 = 20 %
        ("rmdq", 12, 6, 6, True, True, True),  # 6 ≥ 5; 6/12 = 50 %
        # NPRS: 2 points or 30 %.
        ("nprs", 8, 6, 2, True, False, True),  # 2 ≥ 2; 2/8 = 25 %
        ("nprs", 3, 2, 1, False, True, True),  # 1 < 2; 1/3 = 33.3 %
        ("nprs", 5, 4, 1, False, False, False),  # 1 < 2; 1/5 = 20 %
        ("nprs", 7, 6, 1, False, False, False),  # 1 < 2; 1/7 = 14.3 %
    ],
)
def test_mcid_points_and_percent_rules(code, baseline, current, delta, points, percent, met):
    result = change(code, baseline, current)
    assert result.delta == delta
    assert result.points_rule_met is points
    assert result.percent_rule_met is percent
    assert result.mcid_met is met
    assert result.percent_change == pytest.approx(delta * 100 / baseline)


@pytest.mark.parametrize(
    ("code", "baseline", "current", "met"),
    [
        ("psfs", 3, 5, True),  # +2 ≥ 2
        ("psfs", 3, 4.5, False),  # +1.5 < 2
        ("lefs", 40, 49, True),  # +9 ≥ 9
        ("lefs", 40, 48, False),  # +8 < 9
        ("ndi", 20, 12.5, True),  # 7.5 ≥ 7.5 (raw)
        ("ndi", 20, 15, False),  # 5 < 7.5: the low end of the published range is not enough
        ("ndi", 10, 3, False),  # 7 < 7.5, though 70 %: no relative rule for NDI
    ],
)
def test_instruments_without_a_percent_rule(code, baseline, current, met):
    result = change(code, baseline, current)
    assert result.mcid_met is met
    assert result.points_rule_met is met
    assert result.percent_rule_met is None
    assert result.percent_change is None


@pytest.mark.parametrize("code", ["odi", "rmdq", "nprs"])
def test_baseline_zero_cannot_meet_the_percent_rule(code):
    # 0 → 0: no change, and a share of 0 is undefined.
    result = change(code, 0, 0)
    assert result.delta == 0
    assert result.percent_change is None
    assert result.percent_rule_met is False
    assert result.mcid_met is False


def test_baseline_zero_getting_worse():
    # NPRS 0 → 3: -3.
    result = change("nprs", 0, 3)
    assert result.delta == -3
    assert result.percent_rule_met is False
    assert result.mcid_met is False


def test_change_accepts_score_objects():
    # ODI 45 % (18/40) → 20 % (10/50): 25 better, 25/45 = 55.6 %.
    before = score("odi", [3, 2, None, 2, 3, 2, None, 2, 2, 2])
    after = score("odi", [1] * 10)
    result = change("odi", before, after)
    assert result.delta == 25
    assert result.mcid_met is True
    assert result.percent_change == pytest.approx(25 / 45 * 100)


def test_change_mixes_scores_and_numbers():
    # NPRS 7 → 4: 3 better.
    assert change("nprs", score("nprs", 7), 4).delta == 3


def test_float_noise_does_not_hide_a_met_mcid():
    # PSFS mean 5/3 → 11/3: exactly 2, though 11/3 - 5/3 is 1.999… in floats.
    before = score("psfs", [1, 2, 2])
    after = score("psfs", [4, 4, 3])
    result = change("psfs", before, after)
    assert result.delta == 2
    assert result.mcid_met is True


def test_ndi_change_uses_raw_points():
    # Raw 20 (40 %) → 12.5 (25 %): 7.5 raw points, the NDI MCID (Young 2009).
    before = score("ndi", [2] * 10)
    after = score("ndi", [None, 1, 1, 1, 2, 1, 1, None, 1, 1])  # 9/8 x 10 = 11.25
    assert after.value == 11.25
    result = change("ndi", before, after)
    assert result.delta == 8.75
    assert result.mcid_met is True


def test_ndi_mcid_is_7_5_and_its_measurement_error_10_2_raw_points():
    ndi = INSTRUMENTS["ndi"]
    assert (ndi.mcid, ndi.mdc) == (7.5, 10.2)
    assert change("ndi", 20, 15).mcid_met is False  # 5 points: not enough any more


@pytest.mark.parametrize(
    ("baseline", "current", "mcid_met", "beyond_mdc"),
    [
        (30, 22.5, True, False),  # 7.5: meaningful, yet inside the measurement error
        (30, 19.8, True, True),  # 10.2: beyond the error too
        (30, 20, True, False),  # 10 < 10.2
        (20, 30.2, False, True),  # 10.2 worse: a real worsening, not an improvement
    ],
)
def test_ndi_change_carries_the_measurement_error_threshold(
    baseline, current, mcid_met, beyond_mdc
):
    result = change("ndi", baseline, current)
    assert result.mdc == 10.2
    assert result.mcid_met is mcid_met
    assert result.beyond_mdc is beyond_mdc


@pytest.mark.parametrize("code", ["nprs", "odi", "rmdq", "psfs", "lefs"])
def test_instruments_without_a_published_mdc_leave_it_empty(code):
    instrument = INSTRUMENTS[code]
    result = change(code, instrument.min_value, instrument.max_value)
    assert instrument.mdc is None
    assert (result.mdc, result.beyond_mdc) == (None, None)


# --- change: refusals ---------------------------------------------------------------


def test_sbst_is_not_tracked_for_change():
    low = score("sbst", _sbst("00000000", 0))
    with pytest.raises(ValueError, match="not tracked for change"):
        change("sbst", low, low)
    with pytest.raises(ValueError, match="not tracked for change"):
        change("sbst", 3, 1)


def test_change_rejects_invalid_scores():
    invalid = score("odi", [None] * 10)
    valid = score("odi", [1] * 10)
    with pytest.raises(ValueError, match="invalid"):
        change("odi", invalid, valid)
    with pytest.raises(ValueError, match="invalid"):
        change("odi", valid, invalid)


def test_change_rejects_a_score_of_another_instrument():
    with pytest.raises(ValueError, match="nprs score"):
        change("odi", score("nprs", 5), 30)


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("odi", 120),
        ("odi", -1),
        ("nprs", 11),
        ("ndi", 60),
        ("lefs", 81),
        ("odi", True),
        ("odi", None),
        ("odi", "40"),
        ("odi", float("nan")),
        ("odi", [40]),
    ],
)
def test_change_rejects_bad_numbers(code, value):
    with pytest.raises(ValueError, match=code):
        change(code, value, 0)
    with pytest.raises(ValueError, match=code):
        change(code, 0, value)


def test_invalid_score_object_is_a_score():
    assert isinstance(score("ndi", [None] * 10), Score)


@pytest.mark.parametrize(
    ("code", "baseline", "current", "worse"),
    [
        ("odi", 20, 30, True),  # 10 points worse: the MCID's size
        ("odi", 20, 26, False),  # 30 % worse, but 6 points: the share rule judges gains only
        ("lefs", 60, 51, True),  # higher is better: 9 points down
        ("nprs", 1, 2, False),  # 100 % worse, 1 point
        ("odi", 30, 20, False),  # an improvement
    ],
)
def test_a_worsening_of_the_mcids_points_is_meaningful_too(code, baseline, current, worse):
    result = change(code, baseline, current)
    assert result.worsening_met is worse
    assert result.mcid_met is (result.delta > 0 and result.delta >= result.threshold)


def test_the_stored_nprs_is_the_mean_as_it_is_and_scored_floats_are_still_refused():
    from patients.instruments.nprs import INSTRUMENT, ratings_mean

    stored = INSTRUMENT.score(INSTRUMENT.answer_shape().scored({"best": 4, "worst": 8, "now": 5}))
    assert stored.value == pytest.approx(17 / 3) and type(stored.value) is float
    assert change("nprs", stored.value, ratings_mean(3, 6, 4)).mcid_met is False
    with pytest.raises(ValueError):
        score("nprs", 17 / 3)  # the public answer shape is one whole number
