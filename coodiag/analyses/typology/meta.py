"""Metadata of the variables of a typology: label, unit, source, vintage, short French name.

The base's ``indicateurs_meta`` describes every indicator; a typology also needs a short name
per variable for the automatic class names (« revenu médian élevé »): :data:`SHORT_LABELS` for
the known indicators, else the label with a lower-case first letter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from coodiag.base.indicators import Indicator

#: Short French names of known indicators for class names (the meaning of the base's label).
SHORT_LABELS: dict[str, str] = {
    "med21": "revenu médian",
    "rev_med_21": "revenu médian",
    "tp6021": "taux de pauvreté",
    "rev_txpauv_21": "taux de pauvreté",
    "part_6579_22": "part des 65-79 ans",
    "part_75p_22": "part des 75 ans ou plus",
    "dmv_75p_pct_22": "part des 75 ans ou plus",
    "part_80p_22": "part des 80 ans ou plus",
    "part_seul_5579_22": "part des 55-79 ans vivant seuls",
    "dmv_6579_seul_pct_22": "part des 65-79 ans vivant seuls",
    "part_seul_80p_22": "part des 80 ans ou plus vivant seuls",
    "dmv_80p_seul_pct_22": "part des 80 ans ou plus vivant seuls",
    "part_men_seul_22": "part des ménages d'une personne",
    "part_csp_retraites_22": "part des retraités",
    "dsp_csp_retraites_pct_22": "part des retraités",
    "tx_chom1564_22": "taux de chômage",
    "soc_txchom_1564_22": "taux de chômage",
    "tx_emp1564_22": "taux d'emploi",
    "eco_txemp_1564_22": "taux d'emploi",
    "part_dipl_infbac_22": "part des diplômés infra-bac",
    "dsp_dipl_infbac_pct_22": "part des diplômés infra-bac",
    "part_hlm_22": "part des logements HLM",
    "dmv_iv_ind_22": "indice de vieillissement",
    "men_mono_pct_22": "part des familles monoparentales",
    "eco_sectindus_pct_22": "part de l'industrie",
    "eco_sectagri_pct_22": "part de l'agriculture",
}


def variable_meta(
    variables: Sequence[str],
    meta: pd.DataFrame | None,
    *,
    table: str | None = None,
    extra: Mapping[str, Indicator] | None = None,
    short: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Label, unit, source, vintage, method and short name (``court``) of each variable
    (index: the variable key).

    Looked up in ``meta`` (the base's ``indicateurs_meta``), the rows of ``table`` first when a
    key is in several tables; ``extra`` (key -> indicator) describes derived variables and wins.
    A key found nowhere gets its own name as label and « non renseignée » as source. The short
    name: ``short`` (key -> name), else :data:`SHORT_LABELS`, else the label.
    """
    cols = ["label", "unit", "source", "vintage", "method"]
    rows = {}
    for key in variables:
        found = (extra or {}).get(key)
        if found is None and meta is not None and len(meta):
            hits = meta[meta["key"] == key]
            if table is not None and (hits["table"] == table).any():
                hits = hits[hits["table"] == table]
            if len(hits):
                found = Indicator.from_row(hits.iloc[0])
        if found is None:
            found = Indicator(key=key, label=key, source="non renseignée")
        row = {c: getattr(found, c) for c in cols}
        row["court"] = (short or {}).get(key) or SHORT_LABELS.get(key) or _lower_first(row["label"])
        rows[key] = row
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[*cols, "court"])
    out.index.name = "variable"
    return out


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
