"""Map furniture: scale bar, size legend, legend entries of a point map (no data needed)."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")

from coodiag.outputs import furniture, palettes


def test_scale_bar_is_a_round_length_in_french() -> None:
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    assert furniture.scale_bar(ax, (0.0, 100_000.0, 0.0, 80_000.0)) == "20\u00a0km"
    assert furniture.scale_bar(ax, (0.0, 4_000.0, 0.0, 4_000.0)) == "0,5\u00a0km"
    texts = [t.get_text() for t in ax.texts]
    assert "10" in texts and "0" in texts
    assert furniture.nice_length_km(3_000.0) == 0.5


def test_points_legend() -> None:
    style = palettes.siae_style(["EI", "ACI", "ZZZ"])
    assert list(style) == ["ACI", "EI", "ZZZ"] and style["ZZZ"]["color"] == "#000000"
    handles, texts = furniture.points_legend(
        style, {"ACI": 3, "EI": 1, "ZZZ": 2}, size_label="postes", vmax=60.0, n_estimated=2,
        n_unsized=1,
    )
    assert len(handles) == len(texts)
    assert texts[0] == "ACI — atelier et chantier d'insertion\u00a0(3)"
    assert texts[2] == "ZZZ\u00a0(2)"
    assert texts[3:] == ["Capacité (postes)", "2 postes", "10 postes", "50 postes",
                         "capacité estimée (2)", "capacité non renseignée (1)"]
    assert furniture.nice_sizes(0) == []
