"""Statistical secrecy: primary and secondary masks, display copies, formatting, scanner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coodiag import secrecy
from coodiag.errors import CoodiagError
from coodiag.secrecy import (
    find_small_counts,
    format_count,
    get_threshold,
    is_recoverable,
    mask_series,
    mask_table,
    primary_mask,
    recoverable_cells,
    scan,
    secondary_mask,
)

NNBSP = "\u202f"


@pytest.fixture(autouse=True)
def _no_env_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(secrecy.THRESHOLD_ENV, raising=False)


def positions(mask) -> set[tuple[int, int]]:
    return {(int(i), int(j)) for i, j in np.argwhere(np.asarray(mask))}


# ---------------------------------------------------------------------------------- threshold


def test_threshold_default_argument_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_threshold() == 5
    assert get_threshold(11) == 11
    monkeypatch.setenv(secrecy.THRESHOLD_ENV, " 11 ")
    assert get_threshold() == 11
    assert get_threshold(5) == 5  # the argument wins over the environment
    assert primary_mask(10) is True
    assert format_count(10) == "< 11"
    monkeypatch.setenv(secrecy.THRESHOLD_ENV, "cinq")
    with pytest.raises(ValueError, match=secrecy.THRESHOLD_ENV):
        get_threshold()


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "2.5", "1", "4", "5,0"])
def test_threshold_env_below_the_floor_or_not_whole_is_refused_in_french(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(secrecy.THRESHOLD_ENV, raw)
    with pytest.raises(secrecy.ThresholdError) as err:
        get_threshold()
    assert isinstance(err.value, CoodiagError)  # the command line prints it, no traceback
    text = str(err.value)
    assert f"« {raw} »" in text and secrecy.THRESHOLD_ENV in text
    assert "au moins 5 (plancher légal" in text
    with pytest.raises(secrecy.ThresholdError):  # every public entry refuses it
        mask_series(pd.Series([3, 10, 12]))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, 4, "abc", float("nan")])
def test_threshold_argument_invalid(bad) -> None:
    with pytest.raises(secrecy.ThresholdError, match="au moins 5"):
        get_threshold(bad)
    with pytest.raises(secrecy.ThresholdError):
        format_count(3, threshold=bad)


def test_threshold_floor_is_the_legal_five() -> None:
    assert secrecy.MIN_THRESHOLD == 5 == secrecy.DEFAULT_THRESHOLD
    assert get_threshold(5.0) == 5 and get_threshold(np.int64(11)) == 11


# ---------------------------------------------------------------------------------- primary


def test_primary_mask_rule() -> None:
    s = pd.Series([0, 1, 4, 5, 6, np.nan, 120], index=list("abcdefg"))
    assert primary_mask(s).tolist() == [False, True, True, False, False, False, False]
    assert primary_mask(s, mask_zero=True).tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert primary_mask(s, threshold=11).tolist() == [False, True, True, True, True, False, False]
    assert primary_mask(s).index.equals(s.index)
    df = pd.DataFrame({"x": [3, 7], "y": [0, 2]})
    assert primary_mask(df).to_numpy().tolist() == [[True, False], [False, True]]
    assert primary_mask(np.array([1, 5])).tolist() == [True, False]
    assert primary_mask(4) is True and primary_mask(0) is False and primary_mask(None) is False


# ---------------------------------------------------------------------------------- secondary

# A 3x3 table published with row and column totals, one primary secret (3, top left).
#   row 0 holds a lone secret: candidates 10 and 20; neither column holds a secret yet, so the
#     smallest, 10 (0,1), is masked;
#   column 0 holds a lone secret: candidates 12 (1,0) and 40; rows 1 and 2 hold none: 12;
#   column 1 now holds a lone secret (0,1): candidates 15 (1,1), whose row 1 holds a lone secret
#     that it also protects, and 8 (2,1), whose row 2 holds none: 15, although 8 is smaller.
#   Every row and column now holds 0 or 2 secrets: a 2x2 rectangle, 4 cells.
TABLE_3X3 = pd.DataFrame(
    [[3, 10, 20], [12, 15, 30], [40, 8, 25]], columns=["a", "b", "c"], index=["x", "y", "z"]
)


def test_secondary_3x3_by_hand() -> None:
    mask = secondary_mask(TABLE_3X3)
    assert positions(mask) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert list(mask.index) == ["x", "y", "z"] and list(mask.columns) == ["a", "b", "c"]
    assert not is_recoverable(TABLE_3X3, mask)
    assert not is_recoverable(TABLE_3X3, mask, method="linear")
    # the primary mask alone is recoverable: 3 = 33 - 10 - 20
    assert recoverable_cells(TABLE_3X3, primary_mask(TABLE_3X3)) == [(0, 0)]
    ext = secondary_mask(TABLE_3X3, extended=True)
    assert ext.shape == (4, 4) and not ext.loc["Total"].any() and not ext["Total"].any()


def test_secondary_one_direction_only() -> None:
    # only row totals: the row is fixed with its smallest other non-zero cell, columns are free
    t = pd.DataFrame([[3, 0, 20, 10], [1, 2, 30, 40]])
    m = secondary_mask(t, row_totals=True, col_totals=False)
    assert positions(m) == {(0, 0), (0, 3), (1, 0), (1, 1)}
    # no totals at all: primary secrecy only
    m = secondary_mask(t, row_totals=False, col_totals=False)
    assert positions(m) == {(0, 0), (1, 0), (1, 1)}


def test_secondary_series_second_smallest() -> None:
    s = pd.Series([3, 0, 50, 10, 20], index=list("abcde"), name="n")
    out = mask_series(s)
    assert out.tolist() == ["< 5", 0, 50, "s", 20]  # 10 is the second smallest non-zero
    assert list(out.index) == list("abcde") and out.name == "n"
    out = mask_series(s, append_total="Total")
    assert out["Total"] == 83
    # two primary secrets protect each other
    assert mask_series(pd.Series([3, 4, 50])).tolist() == ["< 5", "< 5", 50]
    # a total that is itself small is masked
    assert mask_series(pd.Series([3, 0, 0]), append_total="Total").tolist() == [
        "< 5",
        0,
        0,
        "< 5",
    ]
    # without a published total, only the primary rule applies
    assert mask_series(s, total=False).tolist() == ["< 5", 0, 50, 10, 20]


def test_secondary_secret_totals_need_linear_step() -> None:
    # Small totals are secret too. The line step alone leaves (0, 0) exactly determined:
    # (0,0) = U0 - (2,0) = U0 - (55 - 50 - U1) = (U0 + U1) - 5 = (64 - 57) - 5 = 2.
    t = np.array([[2, 0, 5], [0, 0, 2], [2, 3, 50]])
    lines_only = secondary_mask(t, extended=True, linear_check=False)
    assert not is_recoverable(t, lines_only)  # no single subtraction gives it...
    assert recoverable_cells(t, lines_only, method="linear") == [(0, 0)]  # ...but algebra does
    full = secondary_mask(t, extended=True)
    assert not is_recoverable(t, full) and not is_recoverable(t, full, method="linear")
    assert positions(full) == positions(lines_only) | {(0, 1)}


def test_recoverable_checker_chains_subtractions() -> None:
    t = np.array([[10, 20], [30, 40]])
    # (0,0) alone in row 0 -> recovered; then nothing else is masked
    assert recoverable_cells(t, np.array([[1, 0], [0, 0]], bool)) == [(0, 0)]
    # a full rectangle is safe
    assert not is_recoverable(t, np.ones((2, 2), bool))
    # three cells: (1,1) alone in row 1 -> known, then column 0 and row 0 follow
    assert len(recoverable_cells(t, np.array([[1, 1], [1, 0]], bool))) == 3
    with pytest.raises(ValueError):
        recoverable_cells(t, np.ones((3, 5), bool))


def test_secondary_rejects_missing_and_negative() -> None:
    with pytest.raises(ValueError, match="manquantes"):
        secondary_mask(pd.DataFrame([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="négatives"):
        secondary_mask(pd.DataFrame([[1, -2]]))


def test_linear_check_matches_dense_algebra() -> None:
    """The bridge-based check (linear time) agrees with a dense rank computation."""
    rng = np.random.default_rng(20240101)
    for _ in range(400):
        r, c = (int(x) for x in rng.integers(1, 6, 2))
        rt, ct = bool(rng.integers(0, 2)), bool(rng.integers(0, 2))
        shape = (r + ct, c + rt)
        mask = rng.random(shape) < rng.random()
        lines = scan.table_lines(shape, rt, ct)
        margins = scan.margin_flags(shape, rt, ct)
        fast = sorted(scan.determined(mask, lines, margins))
        dense = sorted(
            tuple(int(x) for x in p) for p in scan.determined_svd(mask, lines, margins)
        )
        assert fast == dense


@pytest.mark.parametrize("seed", range(8))
def test_property_nothing_masked_is_recoverable(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(60):
        r, c = (int(x) for x in rng.integers(1, 7, 2))
        values = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40, 200], size=(r, c))
        rt, ct = bool(rng.integers(0, 2)), bool(rng.integers(0, 2))
        threshold = int(rng.choice([5, 11]))
        mask = secondary_mask(
            pd.DataFrame(values), row_totals=rt, col_totals=ct, threshold=threshold, extended=True
        ).to_numpy()
        inner = mask[:r, :c]
        assert inner[primary_mask(values, threshold=threshold)].all()
        assert not is_recoverable(values, mask, rt, ct)
        assert not is_recoverable(values, mask, rt, ct, method="linear")
        # no shown entry of the extended table (cells and totals) is a small count
        ext = scan.extend_table(values.astype(float), rt, ct)
        assert not primary_mask(ext[~mask], threshold=threshold).any()


# ---------------------------------------------------------------------------------- display


def test_mask_table_display_copy() -> None:
    df = TABLE_3X3.reset_index(names="commune")
    out = mask_table(df, ["a", "b", "c"], row_total="Total", col_total="Ensemble")
    assert out["a"].tolist() == ["< 5", "s", 40, 55]
    assert out["b"].tolist() == ["s", "s", 8, 33]
    assert out["Total"].tolist() == [33, 57, 73, 163]  # totals from the unmasked data
    assert out["commune"].tolist() == ["x", "y", "z", "Ensemble"]
    assert out.index[-1] == "Ensemble"
    assert df["a"].tolist() == [3, 12, 40]  # the input is untouched
    assert not find_small_counts(out, ["a", "b", "c", "Total"])
    # a single marker, threshold 11
    out = mask_table(df, ["a", "b", "c"], threshold=11, row_total="Total", label="s")
    # row x: 3 and 10 are primary and protect each other; row z: 8 is primary, 25 protects it
    assert out["a"].tolist() == ["s", 12, 40]
    assert out["b"].tolist() == ["s", 15, "s"]
    assert out["c"].tolist() == [20, 30, "s"]
    assert out["Total"].tolist() == [33, 57, 73]
    # formatted output
    big = pd.DataFrame({"n": [1234, 3, 5678]})
    shown = mask_table(big, ["n"], col_total="Total", formatted=True)["n"].tolist()
    assert shown == ["s", "< 5", f"5{NNBSP}678", f"6{NNBSP}915"]  # 1 234 is the smallest


def test_mask_table_errors() -> None:
    with pytest.raises(KeyError):
        mask_table(TABLE_3X3, ["zz"])
    with pytest.raises(ValueError):
        mask_table(TABLE_3X3, ["a", "b"], row_total="c")


def test_format_count_french() -> None:
    assert format_count(1234) == f"1{NNBSP}234"
    assert format_count(1234567.0) == f"1{NNBSP}234{NNBSP}567"
    assert format_count(999) == "999"
    assert format_count(5) == "5"
    assert format_count(4) == "< 5"
    assert format_count(0) == "0"
    assert format_count(0, mask_zero=True) == "< 5"
    assert format_count(7, threshold=11) == "< 11"
    assert format_count(3, label="s") == "s"
    assert format_count(np.int64(42)) == "42"
    assert format_count(None) == "n.d." and format_count(np.nan, na="") == ""
    assert format_count("s") == "s"


# ---------------------------------------------------------------------------------- scanner


def test_find_small_counts_frame() -> None:
    df = pd.DataFrame({"nom": ["A", "B", "C", "D"], "n": [3, "< 5", f"1{NNBSP}234", "2"]})
    found = find_small_counts(df, ["n"])
    assert [(f.where, f.column, f.value) for f in found] == [(0, "n", 3), (3, "n", 2)]
    assert [f.value for f in find_small_counts(df, ["n"], threshold=11)] == [3, 2]
    with pytest.raises(secrecy.ThresholdError):  # below the legal floor
        find_small_counts(df, ["n"], threshold=2)
    with pytest.raises(ValueError):
        find_small_counts(df)


def test_find_small_counts_html_csv_text() -> None:
    page = (
        '<table><tr><td class="num coodiag-count">3</td>'
        '<td class="coodiag-count">&lt; 5</td>'
        f'<td class="coodiag-count"><b>1{NNBSP}234</b></td>'
        '<td class="coodiag-count-total">2</td>'  # another class: not a count cell
        "<td>4</td>"  # not marked: invisible to the scanner
        "<span class='coodiag-count'>4</span></tr></table>"
    )
    assert [f.value for f in find_small_counts(page)] == [3, 4]
    csv = "commune;salaries;part\nAvranches;12;0,5\nDucey;3;0,1\nPontorson;s;0,2\n"
    found = find_small_counts(csv, ["salaries"])
    assert [(f.where, f.value) for f in found] == [(1, 3)]
    text = "Avranches : 12 salariés. Ducey : 3 salariés. Granville : < 5 salariés."
    assert [f.value for f in find_small_counts(text, pattern=r"(\d+) salariés")] == [3]


def test_masked_outputs_pass_the_scanner() -> None:
    rng = np.random.default_rng(7)
    counts = pd.Series(rng.poisson(3, size=200), index=[f"{i:05d}" for i in range(200)])
    out = mask_series(counts, append_total="Total", formatted=True)
    page = "".join(f'<td class="coodiag-count">{v}</td>' for v in out)
    assert find_small_counts(page) == []
    assert find_small_counts(out.to_frame("n"), ["n"]) == []


# ---------------------------------------------------------------------------------- command line


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "2.5", "2"])
@pytest.mark.parametrize(
    "args",
    [
        ["diagnostic", "--siret", "37968077000029", "--salaries",
         "examples/salaries_ai_avranches_FICTIF.csv"],
        ["atlas", "--territoire", "dep:50"],
    ],
    ids=["diagnostic", "atlas"],
)
def test_cli_refuses_a_bad_threshold_in_one_french_line(
    raw: str, args: list[str], tmp_path
) -> None:
    from typer.testing import CliRunner

    from coodiag.cli import app

    result = CliRunner().invoke(
        app, [*args, "--sortie", str(tmp_path / "atlas")], env={secrecy.THRESHOLD_ENV: raw}
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Erreur : La variable d'environnement COODIAG_SECRET_THRESHOLD")
    assert f"« {raw} »" in lines[0] and "au moins 5 (plancher légal" in lines[0]
    assert "Traceback" not in result.output and not (tmp_path / "atlas").exists()
