"""Classes of indicator values for maps, and the words around them (no data needed)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

pytest.importorskip("mapclassify")

from coodiag import fr
from coodiag.base.indicators import Indicator
from coodiag.outputs import captions, palettes
from coodiag.outputs.classify import SCHEMES, classify, jenks_exact, scheme_key


def test_format_number_french() -> None:
    assert fr.number(1234.56, 1) == "1\u202f234,6"
    assert fr.number(-2.5, 1) == "\u22122,5"
    assert fr.number(-0.01, 1) == "0,0"


def test_jenks_matches_mapclassify() -> None:
    import mapclassify

    y = np.random.default_rng(3).gamma(2.0, 3.0, 120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "numba not installed"
        ref = mapclassify.FisherJenks(y, k=5).bins
    np.testing.assert_allclose(jenks_exact(y, 5), ref)


def test_classify_counts_secret_and_diverging() -> None:
    meta = Indicator(label="Demandeurs d'emploi", unit="personnes")
    cl = classify([0, 2, 4, 7, 12, 30, 80, None], meta=meta, k=3)
    assert cl.n_secret == 2 and cl.n_missing == 1
    assert sum(cl.counts) + cl.n_nodata == 8
    assert cl.format_value(3) == "< 5\u00a0personnes"
    assert cl.nodata_label == "non disponible / secret (3\u00a0communes)"
    div = classify([-5, -2, -1, 1, 3, 8, 9], meta=Indicator(unit="%"), scheme="equal_interval")
    assert div.diverging and 0.0 in div.bins
    assert set(div.colors[: sum(b <= 0 for b in div.bins)]) <= set(palettes.DIVERGING_NEG)


def test_one_entry_over_the_table_of_schemes() -> None:
    y = np.arange(1.0, 41.0)
    for key, scheme in SCHEMES.items():
        bins = [10, 20, 30] if scheme.user else None
        cl = classify(y, key, 4, bins=bins)
        assert cl.scheme == key and cl.scheme_label == scheme.label
        assert cl.bins[-1] == 40.0 and sum(cl.counts) == 40
    assert classify(y, "user", bins=[10, 20, 30]).bins == (10.0, 20.0, 30.0, 40.0)
    assert scheme_key("Jenks") == scheme_key("fisher-jenks") == "natural_breaks"
    with pytest.raises(ValueError, match="Méthode de discrétisation inconnue"):
        scheme_key("boxplot")
    with pytest.raises(ValueError, match="seuils choisis"):
        classify(y, "user_defined")


def test_class_labels_in_french() -> None:
    cl = classify([0, 0, 0, 0, 1.5, 2, 6.1, 1234.5], meta=Indicator(unit="habitants"), k=4)
    assert cl.legend_title == "En nombre d'habitants"
    assert cl.labels[0] == "0 (4\u00a0communes)"
    # 1,5 and 2 habitants are secret; zeros are a class of their own, the rest is cut apart
    assert cl.labels[1:] == ("6 – 620 (1\u00a0commune)", "620 – 1\u202f234 (1\u00a0commune)")
    assert cl.format_value(None) == fr.MISSING_LABEL
    rate = classify([-1.234, 2.5, None], meta=Indicator(unit="%"), level="epci")
    assert rate.format_value(-1.234) == "\u22121,2\u00a0%"
    assert rate.nodata_label == "non disponible (1\u00a0EPCI)"


def test_captions() -> None:
    assert captions.level_names("zones_emploi") == ("zone d'emploi", "zones d'emploi")
    assert captions.level_names("iris") == ("IRIS", "IRIS")
    assert captions.units_text(1, ("commune", "communes")) == "1\u00a0commune"
    assert captions.units_text(2650, ("commune", "communes")) == "2\u202f650\u00a0communes"
    assert captions.unit_phrase("%") == "en %"
    assert captions.unit_phrase("personnes") == "en nombre de personnes"
    meta = Indicator(source="INSEE, RP", vintage="2021", numerator="chômeurs",
                     denominator="actifs", unit="%")
    assert captions.source_line(meta) == "Source : INSEE, RP (2021) — Chômeurs / actifs (en %)"
    assert captions.source_line(Indicator(unit="personnes"), secret=True) == (
        "Unité : personnes. Secret statistique : effectifs inférieurs à 5 non diffusés."
    )
    assert captions.meta_text(Indicator(label=" Taux "), "label") == "Taux"
    assert captions.meta_text(None, "label") == ""
    assert captions.source_line(None) == ""
    assert captions.is_people_count(Indicator(unit="Personnes"))
    assert not captions.is_people_count(Indicator(unit="personnes", denominator="actifs"))
    assert not captions.is_people_count(None)


def test_no_empty_class_no_value_in_two_classes_zeros_are_a_class() -> None:
    """Counts of people of the Avranches roster's shape: 50 zeros, many ties, one big value."""
    meta = Indicator(label="Salariés en parcours", unit="personnes")
    values = [0] * 50 + [5, 5, 6, 6, 6, 7, 7, 9, 9, 9, 11, 11, 12, 80] + [None, 3, 4]
    cl = classify(values, meta=meta, k=5)
    assert all(n > 0 for n in cl.counts)  # no class with 0 units
    assert cl.labels[0] == "0 (50\u00a0communes)"  # 0 is a known value, not "non disponible"
    assert cl.n_secret == 2 and cl.n_missing == 1 and sum(cl.counts) == 64
    # whole numbers: each class from its smallest to its largest value, never shared
    shown = [r.split(" – ") for r in cl.ranges]
    bounds = [(int(p[0]), int(p[-1])) for p in shown]
    assert all(hi < lo for (_, hi), (lo, _) in itertools.pairwise(bounds))
    y = np.array([v for v in values if v is not None and not 0 < v < 5], dtype=float)
    for c, (lo, hi) in enumerate(bounds):
        members = y[cl.classes[cl.classes >= 0] == c]
        assert members.min() == lo and members.max() == hi
    # an empty class of user thresholds joins the next one
    assert classify([0, 0, 0, 3, 4], scheme="user", bins=[0, 1, 2]).bins == (0.0, 4.0)
    assert classify([0.0, 0.5, 1.0], nodata="secret statistique").nodata_label == ""
    hidden = classify([0.0, 0.5, None], nodata="secret statistique", level="epci")
    assert hidden.nodata_label == "secret statistique (1\u00a0EPCI)"
