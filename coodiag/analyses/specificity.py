"""Sector specificity: which sectors are over-represented on a territory.

:func:`location_quotient` (indice de spécificité) and its three applications: the establishments
of a set of communes against their département or région (:func:`lq_etablissements`, Flores
2021 in Normandie and Île-de-France, establishments 2018 of the comparateur elsewhere), the
jobs of a zone d'emploi against France (:func:`lq_zone_emploi`, RP 2022), a user's SIRENE
file by NAF division (:func:`lq_sirene`).

Every result carries its indicator metadata in ``df.attrs["indicateurs"]`` (a list of
:class:`~coodiag.base.indicators.Indicator`) and French column labels in
``df.attrs["libelles"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from coodiag.base.indicators import Indicator


def location_quotient(
    local: pd.Series, reference: pd.Series, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Location quotient (indice de spécificité) of each sector of a territory.

    .. math:: LQ_s = \\frac{n_s / n}{N_s / N}

    n_s: establishments (or jobs, or a share) of sector s on the territory, n = Σ n_s; N_s, N:
    the same for the reference territory (which usually contains the territory). Unit: index,
    1 = the same specialisation as the reference, 1.5 = the sector weighs 1.5 times more here.
    ``local`` and ``reference`` are Series indexed by sector, over the *same partition* of the
    activity (no sector included in another). Shares (% summing to 100) work as well as counts.

    Returns ``secteur, libelle, n, part, n_ref, part_ref, indice`` (parts in % of n and N),
    sorted by decreasing index; NaN index where the reference sector is empty.
    """
    idx = reference.index.union(local.index, sort=False)
    n_s = local.reindex(idx).astype("float64").fillna(0.0)
    big_n = reference.reindex(idx).astype("float64").fillna(0.0)
    n, total_ref = float(n_s.sum()), float(big_n.sum())
    part = 100 * n_s / n if n > 0 else n_s * np.nan
    part_ref = 100 * big_n / total_ref if total_ref > 0 else big_n * np.nan
    out = pd.DataFrame(
        {
            "secteur": pd.array(idx.astype(str), dtype="string"),
            "libelle": pd.array(
                [(labels or {}).get(s, s) for s in idx.astype(str)], dtype="string"
            ),
            "n": n_s.to_numpy(),
            "part": part.to_numpy(),
            "n_ref": big_n.to_numpy(),
            "part_ref": part_ref.to_numpy(),
        }
    )
    out["indice"] = out["part"] / out["part_ref"].where(out["part_ref"] > 0)
    out = out.sort_values("indice", ascending=False, ignore_index=True, na_position="last")
    out.attrs["libelles"] = {
        "secteur": "Secteur",
        "libelle": "Libellé",
        "n": "Effectif du territoire",
        "part": "Part du territoire (%)",
        "n_ref": "Effectif de la référence",
        "part_ref": "Part de la référence (%)",
        "indice": "Indice de spécificité",
    }
    return out


#: Establishment sectors, as a partition of ETTOT (the 2021 column names; the 2018 ones end in
#: ``18``, see :func:`etab_columns`). ETGZ (commerce, réparation automobile: section G) is a
#: *subset* of ETGU (sections G to U except O-Q): the partition uses GZ and GU − GZ, never GU
#: and GZ together. Check: ETAZ + ETBE + ETFZ + ETGU + ETOQ = ETTOT in every commune of both
#: files.
SECTEURS_ETABLISSEMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "AZ": (("etaz21",), (), "Agriculture, sylviculture et pêche"),
    "BE": (("etbe21",), (), "Industrie"),
    "FZ": (("etfz21",), (), "Construction"),
    "GZ": (("etgz21",), (), "Commerce, réparation d'automobiles et de motocycles"),
    "HU": (
        ("etgu21",),
        ("etgz21",),
        "Transports, hébergement-restauration, services marchands (H à U hors O-Q)",
    ),
    "OQ": (("etoq21",), (), "Administration publique, enseignement, santé, action sociale"),
}

#: Establishment vintages: year suffix -> (source, vintage). 2021: the Normandie/IDF commune
#: file (Flores 2021); 2018: every commune of France, comparateur de territoires 2022 edition.
MILLESIMES_ETABLISSEMENTS: dict[str, tuple[str, str]] = {
    "21": (
        "INSEE, Flores 2021 : établissements actifs (fichier communal Normandie et IDF)",
        "Flores 2021",
    ),
    "18": (
        "INSEE, comparateur de territoires édition 2022 : établissements actifs fin 2018 "
        "(toutes les communes de France)",
        "établissements 2018, comparateur de territoires INSEE édition 2022",
    ),
}


def etab_columns(year: str) -> list[str]:
    """Columns of the establishment counts of vintage ``year`` (``"21"`` or ``"18"``)."""
    return [f"et{s}{year}" for s in ("az", "be", "fz", "gu", "gz", "oq", "tot")]


def _sector_counts(df: pd.DataFrame, year: str = "21") -> pd.Series:
    total = {}
    for key, (plus, minus, _label) in SECTEURS_ETABLISSEMENTS.items():
        v = sum(df[c[:-2] + year].astype("float64").sum() for c in plus)
        v -= sum(df[c[:-2] + year].astype("float64").sum() for c in minus)
        total[key] = v
    return pd.Series(total, dtype="float64")


def lq_etablissements(
    indicateurs: pd.DataFrame,
    communes: pd.DataFrame,
    territoire: Iterable[str],
    *,
    reference: str = "dep",
) -> pd.DataFrame:
    """Location quotient of the establishments of a territory (a set of communes).

    n_s: establishments of sector s (:data:`SECTEURS_ETABLISSEMENTS`, a partition of ETTOT)
    in the communes of ``territoire``; N_s: the same in the communes of its département(s)
    (``reference="dep"``) or région(s) (``"reg"``), territory included. Unit: index (1 = same
    specialisation as the reference). ``indicateurs`` is the ``indicateurs_communes`` table
    (``code, etaz21..., etaz18...``), ``communes`` the commune table (``code, dep, reg``).
    Vintage: the 2021 counts (Normandie and Île-de-France file) when every commune of the
    territory and of its reference has them, else the 2018 counts of every commune of France
    (comparateur 2022) — one vintage for both sides, stated in ``attrs["millesime"]`` and in
    the indicator metadata. A territory without any count raises a French ValueError.
    """
    if reference not in ("dep", "reg"):
        raise ValueError(f"référence inconnue : {reference!r} (attendu « dep » ou « reg »)")
    codes_t = pd.Index(pd.unique(pd.Series(list(territoire), dtype="string")))
    geo = communes.set_index("code")[["dep", "reg"]]
    areas = geo.loc[geo.index.intersection(codes_t), reference].dropna().unique()
    ref_all = geo.index[geo[reference].isin(areas)]
    ind = indicateurs.set_index("code")
    year = "18"
    if set(etab_columns("21")) <= set(ind.columns):
        have21 = ind.index[ind["ettot21"].notna()]
        if len(codes_t) and codes_t.union(ref_all).difference(have21).empty:
            year = "21"
    etab = ind[etab_columns(year)]
    known = etab.index[etab[f"ettot{year}"].notna()]
    missing = codes_t.difference(known)
    if len(missing) == len(codes_t):
        raise ValueError(
            "Aucune commune du territoire n'a de données d'établissements (ni Flores 2021, "
            "ni établissements 2018 du comparateur de territoires)."
        )
    ref_codes = ref_all.intersection(known)
    local = _sector_counts(etab.loc[codes_t.intersection(known)], year)
    ref = _sector_counts(etab.loc[ref_codes], year)
    labels = {k: v[2] for k, v in SECTEURS_ETABLISSEMENTS.items()}
    out = location_quotient(local, ref, labels=labels)
    name = "département" if reference == "dep" else "région"
    ref_label = f"{name}{'s' if len(areas) > 1 else ''} {', '.join(sorted(map(str, areas)))}"
    source, vintage = MILLESIMES_ETABLISSEMENTS[year]
    out.attrs["reference"] = ref_label
    out.attrs["unite_n"] = "établissements"
    out.attrs["millesime"] = vintage
    out.attrs["communes_sans_donnees"] = [str(c) for c in missing]
    out.attrs["indicateurs"] = [
        Indicator(
            key="indice",
            label="Indice de spécificité sectorielle des établissements (référence : "
            f"{ref_label}, {vintage})",
            unit="indice (1 = même spécialisation que la référence)",
            numerator="part du secteur dans les établissements actifs du territoire",
            denominator=f"part du secteur dans les établissements actifs ({ref_label})",
            source=source,
            vintage=vintage,
            method=f"{vintage} : LQ = (n_s / n) / (N_s / N) ; secteurs AZ, BE, FZ, GZ, GU − GZ, "
            f"OQ (partition de ETTOT{year} : le commerce GZ est inclus dans GU et n'est pas "
            "compté deux fois)"
            + (
                ""
                if year == "21"
                else " ; les établissements 2021 (Flores) n'existent que pour la Normandie et "
                "l'Île-de-France : le millésime 2018 couvre le territoire et sa référence"
            ),
        )
    ]
    return out


#: Employment sectors of the zone d'emploi table (shares of jobs at the place of work, %):
#: key -> (column, French label). The five shares sum to 100 (a partition of the jobs).
SECTEURS_EMPLOI: dict[str, tuple[str, str]] = {
    "AZ": ("eco_sectagri_pct_22", "Agriculture"),
    "BE": ("eco_sectindus_pct_22", "Industrie"),
    "FZ": ("eco_sectconst_pct_22", "Construction"),
    "GU": ("eco_sectservi_pct_22", "Commerce, transports et services divers"),
    "OQ": ("eco_sectadmin_pct_22", "Administration publique, enseignement, santé, action sociale"),
}


#: Code of the France row of the zone d'emploi source (its official national shares).
FRANCE_ROW = "00FR"


def lq_zone_emploi(
    zones: pd.DataFrame,
    code: str,
    *,
    france: pd.Series | None = None,
    poids: str = "p22_pop",
) -> pd.DataFrame:
    """Location quotient of the employment of a zone d'emploi against France.

    .. math:: LQ_s = \\frac{p_{z,s}}{p_{F,s}}

    p_{z,s}: share of sector s in the jobs of zone z (%, RP 2022, :data:`SECTEURS_EMPLOI`);
    p_{F,s}: the official national share, the France row of the same source (``france``, or
    the row ``code == "00FR"`` of ``zones``; e.g. agriculture 2.39 %, industry 11.62 %).
    Unit: index (1 = same specialisation as France). ``n`` holds the zone's shares (%), not
    counts. Without a France row (a table built without it), the reference falls back on the
    mean of the zones weighted by ``poids`` (population 2022), said so in ``attrs["reference"]``
    and in the method: an approximation of the job-weighted national share.
    """
    z = zones.set_index("code")
    if code not in z.index or code == FRANCE_ROW:
        raise ValueError(f"Zone d'emploi inconnue : {code!r}")
    cols = {col: key for key, (col, _label) in SECTEURS_EMPLOI.items()}
    if france is None and FRANCE_ROW in z.index:
        france = z.loc[FRANCE_ROW]
    official = france is not None and france.reindex(list(cols)).notna().all()
    if official:
        ref = france.reindex(list(cols)).astype("float64")
        reference = "France (parts nationales de la source)"
        denominator = "part du secteur dans l'emploi de la France (ligne France de la source)"
        method = "LQ = part de la zone / part nationale (ligne France de la source)"
    else:
        sub = z.drop(index=FRANCE_ROW, errors="ignore")[[*cols, poids]].dropna()
        w = sub[poids].astype("float64")
        ref = sub[list(cols)].astype("float64").mul(w, axis=0).sum() / w.sum()
        reference = "France métropolitaine (moyenne des zones pondérée par la population)"
        denominator = (
            "part du secteur dans l'emploi de France métropolitaine, estimée par la moyenne "
            f"des {len(sub)} zones d'emploi pondérée par leur population 2022"
        )
        method = (
            "LQ = part de la zone / part de référence ; ligne France absente : référence = "
            "moyenne pondérée par la population (approximation de la part nationale)"
        )
    local = z.loc[code, list(cols)].astype("float64")
    labels = {key: label for key, (_col, label) in SECTEURS_EMPLOI.items()}
    out = location_quotient(local.rename(cols), ref.rename(cols), labels=labels)
    nom = z.loc[code, "libelle"] if "libelle" in z.columns else code
    out.attrs["reference"] = reference
    out.attrs["reference_officielle"] = bool(official)
    out.attrs["unite_n"] = "% de l'emploi"
    out.attrs["territoire"] = f"zone d'emploi {nom} ({code})"
    out.attrs["indicateurs"] = [
        Indicator(
            key="indice",
            label="Indice de spécificité sectorielle de l'emploi (référence : France)",
            unit="indice (1 = même spécialisation que la France)",
            numerator="part du secteur dans les emplois au lieu de travail de la zone",
            denominator=denominator,
            source="INSEE, RP 2022 (indicateurs par zone d'emploi d'un observatoire open data)",
            vintage="RP 2022",
            method=method,
        )
    ]
    return out


def lq_sirene(
    sirene: pd.DataFrame,
    territoire: Iterable[str],
    *,
    naf_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Location quotient of a user's SIRENE file by NAF division, territory vs the whole file.

    n_s: establishments of the file in NAF division s (2 digits) located in the communes of
    ``territoire``; N_s: all the establishments of the file in division s. Unit: index
    (1 = same specialisation as the file). Meaningful only if the file covers several sectors
    and a wider area than the territory (a one-sector file gives 1 everywhere).
    ``sirene`` is the ``data`` of :func:`coodiag.userfiles.read_sirene` (``code_commune, naf``);
    establishments without NAF are left out. ``naf_labels``: division -> label (e.g. from
    :func:`coodiag.mirror.loaders.prospect.load_naf`).
    """
    df = sirene.loc[sirene["naf"].notna(), ["code_commune", "naf"]]
    div = df["naf"].astype("string").str[:2]
    inside = df["code_commune"].isin(list(territoire))
    out = location_quotient(
        div[inside].value_counts(), div.value_counts(), labels=dict(naf_labels or {})
    )
    out.attrs["reference"] = "ensemble du fichier SIRENE fourni"
    out.attrs["unite_n"] = "établissements"
    out.attrs["indicateurs"] = [
        Indicator(
            key="indice",
            label="Indice de spécificité par division NAF (référence : tout le fichier)",
            unit="indice (1 = même spécialisation que le fichier)",
            numerator="part de la division dans les établissements du territoire",
            denominator="part de la division dans tous les établissements du fichier",
            source="fichier SIRENE fourni par l'utilisateur (INSEE)",
            vintage="date d'extraction du fichier",
            method="LQ = (n_s / n) / (N_s / N) par division NAF (2 chiffres)",
        )
    ]
    return out
