"""Prospecting: sector specificity, occupations hiring (BMO), SIRENE establishments to approach.

Pure functions on frames of the base and of the user's files:

- :func:`location_quotient` and its three applications (:func:`lq_etablissements`,
  :func:`lq_zone_emploi`, :func:`lq_sirene`): which sectors are over-represented on a territory;
- :func:`fap_correspondance` and :func:`bmo_profile`: the hiring projects of the SIAE's bassin(s)
  by occupation, the métiers en tension, the occupations matching the SIAE's activities;
- :func:`prospects`: SIRENE establishments near the SIAE, ranked by sector closeness and size.

Every result carries its indicator metadata in ``df.attrs["indicateurs"]`` (list of dicts
``key, label, unit, numerator, denominator, source, vintage, method``) and French column labels
in ``df.attrs["libelles"]``.

Correspondence tables (hand-written)
------------------------------------
The BMO survey codes occupations with the DARES families of occupations (FAP: "T4X60" Agents
d'entretien de locaux); the first letter is the FAP *domain* (:data:`FAP_DOMAINES`). The SIAE
registry gives ROME v3 codes (228 SIAE of the ASP 2019 list) and an APE code (NAF rév. 2). The
mirror holds **no official ROME ↔ FAP crosswalk** (DARES publishes one at the level of ROME
codes × FAP 225 families, not in the mirror): :data:`ROME_VERS_FAP` and :data:`NAF_VERS_FAP`
are hand-written at domain level, from the titles of the domains. They say "this occupation is
in the line of work of the structure", not "this is the same job": read the matches as leads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------------------------
# Correspondence tables
# ---------------------------------------------------------------------------------------------

#: FAP domains (first letter of the occupation codes of the BMO survey).
FAP_DOMAINES: dict[str, str] = {
    "A": "Agriculture, marine, pêche (dont espaces verts)",
    "B": "Bâtiment, travaux publics",
    "C": "Électricité, électronique",
    "D": "Mécanique, travail des métaux",
    "E": "Industries de process",
    "F": "Matériaux souples, bois, industries graphiques",
    "G": "Maintenance",
    "H": "Ingénieurs et cadres de l'industrie",
    "J": "Transports, logistique et tourisme",
    "K": "Artisanat",
    "L": "Gestion, administration des entreprises",
    "M": "Informatique et télécommunications",
    "N": "Études et recherche",
    "P": "Administration publique, professions juridiques",
    "Q": "Banque et assurances",
    "R": "Commerce",
    "S": "Hôtellerie, restauration, alimentation",
    "T": "Services aux particuliers et aux collectivités",
    "U": "Communication, information, art et spectacle",
    "V": "Santé, action sociale, culturelle et sportive",
    "W": "Enseignement, formation",
}

#: ROME v3 grand domain (letter) or domain (3 characters, takes precedence) -> FAP domains.
#:
#: ======  ==========================================================  =================
#: ROME    title                                                       FAP domains
#: ======  ==========================================================  =================
#: A       Agriculture et pêche, espaces naturels et verts, animaux     A
#: B       Arts et façonnage d'ouvrages d'art                           K, F
#: C       Banque, assurance, immobilier                                Q, R
#: D       Commerce, vente et grande distribution                       R, S
#: D11     Commerce alimentaire et métiers de bouche                    S, R
#: E       Communication, média et multimédia                           U
#: F       Construction, bâtiment et travaux publics                    B
#: G       Hôtellerie-restauration, tourisme, loisirs et animation      S, J, V
#: H       Industrie                                                    E, D, C, F, H
#: I       Installation et maintenance                                  G
#: J       Santé                                                        V
#: K       Services à la personne et à la collectivité                  T, V
#: K11     Accompagnement de la personne                                T, V
#: K12     Action sociale, socio-éducative et socio-culturelle          V
#: K17     Défense, sécurité publique et secours                        P, T
#: K21     Formation initiale et continue                               W
#: L       Spectacle                                                    U
#: M       Support à l'entreprise                                       L, M
#: N       Transport et logistique                                      J
#: ======  ==========================================================  =================
ROME_VERS_FAP: dict[str, tuple[str, ...]] = {
    "A": ("A",),
    "B": ("K", "F"),
    "C": ("Q", "R"),
    "D": ("R", "S"),
    "D11": ("S", "R"),
    "E": ("U",),
    "F": ("B",),
    "G": ("S", "J", "V"),
    "H": ("E", "D", "C", "F", "H"),
    "I": ("G",),
    "J": ("V",),
    "K": ("T", "V"),
    "K11": ("T", "V"),
    "K12": ("V",),
    "K17": ("P", "T"),
    "K21": ("W",),
    "L": ("U",),
    "M": ("L", "M"),
    "N": ("J",),
}


def _naf_vers_fap() -> dict[str, tuple[str, ...]]:
    """NAF division (2 digits) -> FAP domains, from the ranges of :data:`_NAF_RANGES`."""
    out: dict[str, tuple[str, ...]] = {}
    for (lo, hi), fap in _NAF_RANGES.items():
        for d in range(lo, hi + 1):
            out[f"{d:02d}"] = fap
    return out


#: NAF division ranges -> FAP domains (hand-written; see :data:`NAF_VERS_FAP`).
_NAF_RANGES: dict[tuple[int, int], tuple[str, ...]] = {
    (1, 3): ("A",),  # agriculture, forestry, fishing
    (5, 9): ("E", "B"),  # mining and quarrying
    (10, 11): ("E", "S"),  # food and drink industries (process workers, butchers, bakers)
    (12, 12): ("E",),
    (13, 15): ("F",),  # textiles, clothing, leather
    (16, 16): ("F",),  # wood
    (17, 17): ("E",),  # paper
    (18, 18): ("F",),  # printing
    (19, 23): ("E",),  # chemicals, plastics, glass, building materials
    (24, 25): ("D",),  # metals
    (26, 27): ("C",),  # electronics, electrical equipment
    (28, 30): ("D",),  # machinery, vehicles
    (31, 32): ("F", "K"),  # furniture, other manufacturing
    (33, 33): ("G",),  # repair and installation of machinery
    (35, 35): ("E", "G"),  # energy
    (36, 39): ("T", "E"),  # water, waste collection, sorting and recycling (T4X62)
    (41, 43): ("B",),  # construction
    (45, 45): ("G", "R"),  # motor trade and repair
    (46, 47): ("R", "J"),  # wholesale (warehouses) and retail trade
    (49, 53): ("J",),  # transport and storage
    (55, 56): ("S",),  # accommodation and food service
    (58, 60): ("U",),  # publishing, broadcasting
    (61, 63): ("M",),  # telecoms, IT
    (64, 66): ("Q",),  # finance, insurance
    (68, 68): ("R",),  # real estate (agents: R3X84, R4X93)
    (69, 70): ("L", "P"),  # legal, accounting, head offices
    (71, 72): ("N", "B"),  # architecture, engineering, research
    (73, 74): ("U",),  # advertising, design, photography
    (75, 75): ("V",),  # veterinary
    (77, 77): ("R",),  # renting
    (78, 78): ("T", "B", "J"),  # employment activities (temp agencies): see METIERS_TYPIQUES
    (79, 79): ("J",),  # travel agencies
    (80, 80): ("T",),  # security
    (81, 81): ("T", "A"),  # cleaning, landscape (81.30Z: espaces verts)
    (82, 82): ("L",),  # office support, call centres
    (84, 84): ("P",),  # public administration
    (85, 85): ("W",),  # education
    (86, 86): ("V",),  # health
    (87, 88): ("V", "T"),  # residential care, social work (home help: T2A60)
    (90, 93): ("U", "V"),  # arts, sport, recreation
    (94, 94): ("V",),  # associations
    (95, 95): ("G",),  # repair of household goods
    (96, 96): ("T",),  # personal services (laundry, hairdressing)
    (97, 98): ("T",),  # households as employers
}

#: NAF division -> FAP domains. Hand-written: the mirror has no NAF ↔ FAP table.
NAF_VERS_FAP: dict[str, tuple[str, ...]] = _naf_vers_fap()

#: APE codes that say nothing of the trades exercised: the catch-all codes of the associations
#: that carry most ACI and AI ("autre action sociale sans hébergement n.c.a.", "autres
#: organisations fonctionnant par adhésion volontaire"...). For them the typical occupations of
#: the SIAE type (:data:`METIERS_TYPIQUES`) are used instead of the NAF division.
NAF_GENERIQUES: frozenset[str] = frozenset({"88.99B", "88.99A", "94.99Z", "88.10C", "78.30Z"})

#: Typical occupations (BMO/FAP codes) of an SIAE type when its NAF says nothing of its trades.
#: Hand-written from the DARES descriptions of the IAE: an AI places people with individuals,
#: associations and firms (services aux particuliers, nettoyage, BTP, espaces verts,
#: manutention); an ETTI adds unskilled industry and logistics posts; ACI supports are
#: typically espaces verts, maraîchage, second œuvre du bâtiment, nettoyage, tri et recyclage.
METIERS_TYPIQUES: dict[str, tuple[str, ...]] = {
    "AI": (
        "T1X60",  # personnels de ménage chez des particuliers
        "T2A60",  # aides à domicile et auxiliaires de vie
        "T4X60",  # agents d'entretien de locaux
        "T6X61",  # employés des services divers
        "A1X41",  # jardiniers des espaces verts et naturels
        "B0X30",  # ouvriers peu qualifiés de l'extraction et des travaux publics
        "B1X30",  # maçons peu qualifiés
        "B2X37",  # ouvriers peu qualifiés en menuiserie et agencement
        "G0A43",  # ouvriers polyvalents d'entretien du bâtiment
        "J0X30",  # manutentionnaires et déménageurs peu qualifiés
        "J0X33",  # magasiniers et préparateurs de commandes peu qualifiés
        "S1X20",  # aides de cuisine et employés polyvalents de la restauration
    ),
    "ETTI": (
        "T4X60",
        "A1X41",
        "B0X30",
        "B1X30",
        "B2X37",
        "G0A43",
        "J0X30",
        "J0X33",
        "E4X32",  # ouvriers du conditionnement, du tri et de l'emballage
        "E3X20",  # ouvriers peu qualifiés des industries agro-alimentaires
        "D2X30",  # ouvriers peu qualifiés en ajustement, montage et assemblage
        "S1X20",
    ),
    "ACI": (
        "A1X40",  # maraîchers et horticulteurs
        "A1X41",
        "B1X30",
        "B2X36",  # ouvriers en peinture en bâtiment
        "B2X37",
        "G0A43",
        "T4X60",
        "T4X62",  # ouvriers de l'assainissement et du traitement des déchets
        "E4X32",
        "F0X33",  # ouvriers de l'habillement (couture, ressourceries textiles)
        "S1X20",
        "J0X30",
    ),
}


def _norm_naf(naf: Any) -> str | None:
    """NAF code as "88.99B" (from "8899B", "88.99b"...); None when not a NAF code."""
    if naf is None or (isinstance(naf, float) and math.isnan(naf)) or naf is pd.NA:
        return None
    s = str(naf).upper().replace(".", "").replace(" ", "")
    if len(s) == 5 and s[:4].isdigit() and s[4].isalpha():
        return f"{s[:2]}.{s[2:]}"
    if len(s) in (2, 3, 4) and s.isdigit():
        return s[:2] if len(s) == 2 else f"{s[:2]}.{s[2:]}"
    return None


def fap_correspondance(
    *,
    romes: Iterable[str] | None = None,
    naf: str | None = None,
    type_siae: str | None = None,
) -> dict[str, str]:
    """The FAP domains and occupations matching an SIAE's activities, each with its reason.

    Returns ``{key: motif}`` where ``key`` is a FAP domain letter ("T") or a full BMO occupation
    code ("T4X60"), and ``motif`` a French reason ("ROME K2204 (domaine K22)"). Order of use:

    1. the SIAE's ROME codes, through :data:`ROME_VERS_FAP` (domain, else grand domain);
    2. its APE code, through :data:`NAF_VERS_FAP` (division), unless the code is generic
       (:data:`NAF_GENERIQUES`);
    3. the typical occupations of its type (:data:`METIERS_TYPIQUES`) when neither 1 nor 2
       gave anything (e.g. the AI of Avranches: NAF 88.99B, no ROME), and always for AI and
       ETTI, whose trades are by nature those of the employers they place people with.
    """
    out: dict[str, str] = {}
    for code in romes or ():
        c = str(code).strip().upper()
        if not c:
            continue
        fap = ROME_VERS_FAP.get(c[:3]) or ROME_VERS_FAP.get(c[:1])
        for d in fap or ():
            out.setdefault(d, f"code ROME {c} de la structure")
    n = _norm_naf(naf)
    if n is not None and n not in NAF_GENERIQUES:
        for d in NAF_VERS_FAP.get(n[:2], ()):
            out.setdefault(d, f"activité principale (NAF {n}) de la structure")
    t = (type_siae or "").strip().upper()
    if t in METIERS_TYPIQUES and (not out or t in ("AI", "ETTI")):
        for code in METIERS_TYPIQUES[t]:
            out.setdefault(code, f"métier typique des {t}")
    return out


def match_occupation(metier: str, correspondance: Mapping[str, str]) -> str | None:
    """The reason why BMO occupation ``metier`` matches, or None (full code before domain)."""
    if not isinstance(metier, str) or not metier:
        return None
    return correspondance.get(metier) or correspondance.get(metier[0])


# ---------------------------------------------------------------------------------------------
# Location quotient
# ---------------------------------------------------------------------------------------------


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


#: Establishment sectors of the Flores 2021 commune file, as a partition of ETTOT21.
#: ETGZ21 (commerce, réparation automobile: section G) is a *subset* of ETGU21 (sections G to
#: U except O-Q): the partition uses GZ and GU − GZ, never GU and GZ together.
#: Check: ETAZ + ETBE + ETFZ + ETGU + ETOQ = ETTOT in every commune of the file.
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

_ETAB_SOURCE = "INSEE, Flores 2021 : établissements actifs (fichier communal Normandie et IDF)"


def _sector_counts(df: pd.DataFrame) -> pd.Series:
    total = {}
    for key, (plus, minus, _label) in SECTEURS_ETABLISSEMENTS.items():
        v = sum(df[c].astype("float64").sum() for c in plus)
        v -= sum(df[c].astype("float64").sum() for c in minus)
        total[key] = v
    return pd.Series(total, dtype="float64")


def lq_etablissements(
    indicateurs: pd.DataFrame,
    communes: pd.DataFrame,
    territoire: Iterable[str],
    *,
    reference: str = "dep",
) -> pd.DataFrame:
    """Location quotient of the establishments 2021 of a territory (a set of communes).

    n_s: establishments of sector s (:data:`SECTEURS_ETABLISSEMENTS`, a partition of ETTOT21)
    in the communes of ``territoire``; N_s: the same in the communes of its département(s)
    (``reference="dep"``) or région(s) (``"reg"``), territory included. Unit: index (1 = same
    specialisation as the reference). ``indicateurs`` is the ``indicateurs_communes`` table
    (``code, etaz21...``), ``communes`` the commune table (``code, dep, reg``). Coverage:
    Normandie and Île-de-France only (the source file): a territory outside raises a French
    ValueError.
    """
    if reference not in ("dep", "reg"):
        raise ValueError(f"référence inconnue : {reference!r} (attendu « dep » ou « reg »)")
    codes_t = pd.Index(pd.unique(pd.Series(list(territoire), dtype="string")))
    cols = ["etaz21", "etbe21", "etfz21", "etgu21", "etgz21", "etoq21", "ettot21"]
    etab = indicateurs.set_index("code")[cols]
    known = etab.index[etab["ettot21"].notna()]
    missing = codes_t.difference(known)
    if len(missing) == len(codes_t):
        raise ValueError(
            "Aucune commune du territoire n'a de données d'établissements (fichier Flores 2021 "
            "limité à la Normandie et à l'Île-de-France)."
        )
    geo = communes.set_index("code")[["dep", "reg"]]
    areas = geo.loc[geo.index.intersection(codes_t), reference].dropna().unique()
    ref_codes = geo.index[geo[reference].isin(areas)].intersection(known)
    local = _sector_counts(etab.loc[codes_t.intersection(known)])
    ref = _sector_counts(etab.loc[ref_codes])
    labels = {k: v[2] for k, v in SECTEURS_ETABLISSEMENTS.items()}
    out = location_quotient(local, ref, labels=labels)
    name = "département" if reference == "dep" else "région"
    ref_label = f"{name}{'s' if len(areas) > 1 else ''} {', '.join(sorted(map(str, areas)))}"
    out.attrs["reference"] = ref_label
    out.attrs["unite_n"] = "établissements"
    out.attrs["communes_sans_donnees"] = [str(c) for c in missing]
    out.attrs["indicateurs"] = [
        {
            "key": "indice",
            "label": "Indice de spécificité sectorielle des établissements (référence : "
            f"{ref_label})",
            "unit": "indice (1 = même spécialisation que la référence)",
            "numerator": "part du secteur dans les établissements actifs du territoire",
            "denominator": f"part du secteur dans les établissements actifs ({ref_label})",
            "source": _ETAB_SOURCE,
            "vintage": "Flores 2021",
            "method": "LQ = (n_s / n) / (N_s / N) ; secteurs AZ, BE, FZ, GZ, GU − GZ, OQ "
            "(partition de ETTOT21 : le commerce GZ est inclus dans GU et n'est pas compté deux "
            "fois)",
        }
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


def lq_zone_emploi(zones: pd.DataFrame, code: str, *, poids: str = "p22_pop") -> pd.DataFrame:
    """Location quotient of the employment of a zone d'emploi against metropolitan France.

    .. math:: LQ_s = \\frac{p_{z,s}}{\\bar p_s}, \\quad
              \\bar p_s = \\frac{\\sum_z w_z\\, p_{z,s}}{\\sum_z w_z}

    p_{z,s}: share of sector s in the jobs of zone z (%, RP 2022, :data:`SECTEURS_EMPLOI`);
    the reference p̄_s is the **population-weighted mean of the metropolitan zones** (weights
    w_z = ``poids``, population 2022): the France row of the source is excluded from the base
    (its population fields are not national totals) and the zone table has no job count, so a
    job-weighted mean (the exact national share) cannot be computed; population weights
    approximate it. Unit: index (1 = same specialisation as France métropolitaine).
    ``n`` holds the zone's shares (%), not counts.
    """
    z = zones.set_index("code")
    if code not in z.index:
        raise ValueError(f"Zone d'emploi inconnue : {code!r}")
    cols = {col: key for key, (col, _label) in SECTEURS_EMPLOI.items()}
    sub = z[[*cols, poids]].dropna()
    w = sub[poids].astype("float64")
    ref = sub[list(cols)].astype("float64").mul(w, axis=0).sum() / w.sum()
    local = z.loc[code, list(cols)].astype("float64")
    labels = {key: label for key, (_col, label) in SECTEURS_EMPLOI.items()}
    out = location_quotient(local.rename(cols), ref.rename(cols), labels=labels)
    nom = z.loc[code, "libelle"] if "libelle" in z.columns else code
    out.attrs["reference"] = "France métropolitaine (moyenne des zones pondérée par la population)"
    out.attrs["unite_n"] = "% de l'emploi"
    out.attrs["territoire"] = f"zone d'emploi {nom} ({code})"
    out.attrs["indicateurs"] = [
        {
            "key": "indice",
            "label": "Indice de spécificité sectorielle de l'emploi (référence : France "
            "métropolitaine)",
            "unit": "indice (1 = même spécialisation que la France métropolitaine)",
            "numerator": "part du secteur dans les emplois au lieu de travail de la zone",
            "denominator": "part du secteur dans l'emploi de France métropolitaine, estimée "
            f"par la moyenne des {len(sub)} zones d'emploi pondérée par leur population 2022",
            "source": "INSEE, RP 2022 (indicateurs par zone d'emploi d'un observatoire open data)",
            "vintage": "RP 2022",
            "method": "LQ = part de la zone / part de référence ; la ligne France de la source "
            "est exclue de la base : référence = moyenne pondérée par la population "
            "(approximation de la part nationale, pondérée par l'emploi)",
        }
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
        {
            "key": "indice",
            "label": "Indice de spécificité par division NAF (référence : tout le fichier)",
            "unit": "indice (1 = même spécialisation que le fichier)",
            "numerator": "part de la division dans les établissements du territoire",
            "denominator": "part de la division dans tous les établissements du fichier",
            "source": "fichier SIRENE fourni par l'utilisateur (INSEE)",
            "vintage": "date d'extraction du fichier",
            "method": "LQ = (n_s / n) / (N_s / N) par division NAF (2 chiffres)",
        }
    ]
    return out


# ---------------------------------------------------------------------------------------------
# BMO profile
# ---------------------------------------------------------------------------------------------

#: Métier en tension: share of difficult projects ≥ this (%), France Travail's "difficultés de
#: recrutement" (difficult projects / projects, xmet / met).
TENSION_PART_DIFFICILES = 50.0
#: ... and at least this many hiring projects in the bassin(s), so that a share computed on a
#: handful of projects does not make a métier "en tension".
TENSION_MIN_PROJETS = 20


def _sum_strict(values: pd.Series, by: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per group: the sum if every cell is known (else NaN), and the sum of the known cells."""
    known = values.groupby(by, sort=False).sum(min_count=1)
    secret = values.isna().groupby(by, sort=False).any()
    return known.where(~secret), known


def bmo_profile(
    bmo: pd.DataFrame,
    bassins: Iterable[str],
    *,
    romes: Iterable[str] | None = None,
    naf: str | None = None,
    type_siae: str | None = None,
    top: int | None = 20,
    seuil_tension: float = TENSION_PART_DIFFICILES,
    min_projets_tension: int = TENSION_MIN_PROJETS,
) -> pd.DataFrame:
    """Hiring projects by occupation in the given BMO bassin(s), with tension and matching.

    For each occupation (BMO/FAP code) over the rows of the ``bassins`` (4-character codes,
    summed; a bassin split across départements has one row per part):

    - ``projets`` (hiring projects, met), ``difficiles`` (xmet), ``saisonniers`` (smet):
      sums, NaN as soon as one part is secret ("*" in the source): a secret cell is never 0;
      ``projets_connus`` is the sum of the known parts (a lower bound);
    - ``part_difficiles`` = difficiles / projets × 100 and ``part_saisonniers`` =
      saisonniers / projets × 100 (%, denominator: the occupation's hiring projects in the
      bassin(s)), computed only when both numbers are known;
    - ``tension``: ``part_difficiles ≥ seuil_tension`` (50 %) and ``projets ≥
      min_projets_tension`` (20): "métier en tension" in the sense of France Travail's
      difficultés de recrutement; False when the share is unknown;
    - ``correspondance``: why the occupation matches the SIAE's activities (ROME codes, else
      NAF, else typical trades of its type: :func:`fap_correspondance`), NA otherwise;
      ``adequation`` (bool).

    Sorted by (adequation, projets) descending when ROME, NAF or type is given, else by
    projets; ``rang_projets`` is the rank by projets in the bassin(s). ``top`` keeps the first
    rows (None: all). ``attrs``: ``bassins`` (code -> name), ``total_projets_connus`` (sum of
    the known cells of the bassin(s): the survey's own bassin total is not in the file),
    ``metiers_secrets`` (occupations whose projects are secret), ``metiers_en_tension``.
    """
    codes_b = [str(b).zfill(4) for b in bassins]
    sel = bmo.loc[bmo["bassin"].isin(codes_b)]
    if sel.empty:
        raise ValueError(f"Aucune ligne BMO pour le(s) bassin(s) {', '.join(codes_b)}.")
    key = sel["metier"]
    first = sel.groupby(key, sort=False)[["metier_nom", "famille", "famille_nom"]].first()
    out = first.reset_index()
    for col in ("projets", "difficiles", "saisonniers"):
        strict, known = _sum_strict(sel[col].astype("float64"), key)
        out[col] = out["metier"].map(strict).astype("float64")
        if col == "projets":
            out["projets_connus"] = out["metier"].map(known).astype("float64")
    ok = out["projets"] > 0
    out["part_difficiles"] = (100 * out["difficiles"] / out["projets"]).where(ok)
    out["part_saisonniers"] = (100 * out["saisonniers"] / out["projets"]).where(ok)
    out["tension"] = (
        ((out["part_difficiles"] >= seuil_tension) & (out["projets"] >= min_projets_tension))
        .fillna(False)
        .astype(bool)
    )
    out["domaine_fap"] = out["metier"].str[0]
    out["domaine_fap_libelle"] = out["domaine_fap"].map(FAP_DOMAINES).astype("string")
    corr = fap_correspondance(romes=romes, naf=naf, type_siae=type_siae)
    out["correspondance"] = pd.array(
        [match_occupation(m, corr) for m in out["metier"]], dtype="string"
    )
    out["adequation"] = out["correspondance"].notna().astype(bool)
    out["rang_projets"] = out["projets"].rank(ascending=False, method="min").astype("Int64")
    by = ["adequation", "projets"] if corr else ["projets"]
    out = out.sort_values(by, ascending=False, na_position="last", kind="stable", ignore_index=True)
    names = sel.drop_duplicates("bassin").set_index("bassin")["bassin_nom"]
    attrs = {
        "bassins": {b: str(names.get(b, b)) for b in codes_b if b in names.index},
        "total_projets_connus": float(sel["projets"].sum()),
        "metiers_secrets": int(out["projets"].isna().sum()),
        "metiers_en_tension": out.loc[out["tension"], "metier"].tolist(),
        "seuil_tension": seuil_tension,
        "min_projets_tension": min_projets_tension,
        "correspondance": corr,
    }
    if top is not None:
        out = out.head(top).reset_index(drop=True)
    out.attrs.update(attrs)
    bassin_txt = ", ".join(f"{n} ({b})" for b, n in attrs["bassins"].items())
    src = "France Travail, enquête Besoins en main-d'œuvre (BMO) 2024"
    out.attrs["libelles"] = {
        "metier": "Code métier (FAP)",
        "metier_nom": "Métier",
        "projets": "Projets de recrutement",
        "projets_connus": "Projets de recrutement (parties connues)",
        "difficiles": "Projets jugés difficiles",
        "saisonniers": "Projets saisonniers",
        "part_difficiles": "Part des projets difficiles (%)",
        "part_saisonniers": "Part des projets saisonniers (%)",
        "tension": "Métier en tension",
        "domaine_fap_libelle": "Domaine professionnel",
        "correspondance": "Lien avec les activités de la structure",
        "adequation": "Métier en adéquation",
        "rang_projets": "Rang (projets)",
    }
    out.attrs["indicateurs"] = [
        {
            "key": "projets",
            "label": "Projets de recrutement",
            "unit": "projets de recrutement",
            "numerator": "projets de recrutement déclarés par les employeurs pour 2024",
            "denominator": "",
            "source": src,
            "vintage": "2024",
            "method": f"somme sur le(s) bassin(s) {bassin_txt} ; cellule secrète (« * ») = "
            "inconnue, jamais 0 ; somme inconnue si une partie est secrète",
        },
        {
            "key": "part_difficiles",
            "label": "Part des projets de recrutement jugés difficiles",
            "unit": "%",
            "numerator": "projets jugés difficiles (xmet)",
            "denominator": "projets de recrutement du métier (met)",
            "source": src,
            "vintage": "2024",
            "method": "xmet / met × 100, calculé seulement si les deux sont connus",
        },
        {
            "key": "part_saisonniers",
            "label": "Part des projets de recrutement saisonniers",
            "unit": "%",
            "numerator": "projets saisonniers (smet)",
            "denominator": "projets de recrutement du métier (met)",
            "source": src,
            "vintage": "2024",
            "method": "smet / met × 100, calculé seulement si les deux sont connus",
        },
        {
            "key": "tension",
            "label": "Métier en tension",
            "unit": "oui/non",
            "numerator": "projets jugés difficiles",
            "denominator": "projets de recrutement",
            "source": src,
            "vintage": "2024",
            "method": f"part des projets difficiles ≥ {seuil_tension:g} % et au moins "
            f"{min_projets_tension} projets",
        },
    ]
    return out


# ---------------------------------------------------------------------------------------------
# SIRENE prospects
# ---------------------------------------------------------------------------------------------

#: SIRENE headcount band -> midpoint headcount (salariés). "NN" (no employee or unknown) is
#: NaN; "53" (10 000 and more) takes its lower bound.
EFFECTIF_MILIEU: dict[str, float] = {
    "00": 0.0,
    "01": 1.5,
    "02": 4.0,
    "03": 7.5,
    "11": 14.5,
    "12": 34.5,
    "21": 74.5,
    "22": 149.5,
    "31": 224.5,
    "32": 374.5,
    "41": 749.5,
    "42": 1499.5,
    "51": 3499.5,
    "52": 7499.5,
    "53": 10000.0,
}

#: Sector closeness of an establishment to the SIAE (higher is closer).
PROXIMITE: dict[int, str] = {
    5: "même sous-classe NAF",
    4: "même classe NAF",
    3: "même groupe NAF",
    2: "même division NAF",
    1: "même section NAF ou domaine de métiers commun",
    0: "autre secteur",
}


def _closeness(naf: pd.Series, naf_siae: str | None, fap: set[str]) -> pd.Series:
    """Closeness score (:data:`PROXIMITE`) of each establishment NAF to the SIAE's."""
    from coodiag.codes import naf_section_of_division

    n = naf.astype("string").fillna("")
    score = pd.Series(0, index=naf.index, dtype="int64")
    if naf_siae:
        sec = naf_section_of_division(naf_siae[:2])
        sec_est = n.str[:2].map(naf_section_of_division)
        score = score.mask((sec_est == sec) & (n != ""), 1)
        for level, width in ((2, 2), (3, 4), (4, 5), (5, 6)):
            score = score.mask((n.str[:width] == naf_siae[:width]) & (n != ""), level)
    if fap:
        dom = n.str[:2].map(lambda d: bool(set(NAF_VERS_FAP.get(d, ())) & fap))
        score = score.mask(dom.astype(bool) & (score < 1), 1)
    return score


def _as_lambert(point: Any) -> tuple[float, float]:
    """(x, y) in Lambert-93 from a shapely point or a pair; (lon, lat) pairs are projected."""
    if hasattr(point, "x") and hasattr(point, "y"):
        x, y = float(point.x), float(point.y)
    else:
        x, y = (float(v) for v in point)
    if abs(x) <= 180 and abs(y) <= 90:
        from pyproj import Transformer

        tr = Transformer.from_crs(4326, 2154, always_xy=True)
        x, y = tr.transform(x, y)
    return x, y


def prospects(
    sirene: pd.DataFrame,
    siae_point: Any,
    *,
    km: float = 20.0,
    naf_of_siae: str | None = None,
    romes: Sequence[str] | None = None,
    type_siae: str | None = None,
    communes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """SIRENE establishments within ``km`` of the SIAE, ranked for prospecting.

    Position: the establishment's own coordinates (``x, y`` of the SIRENE import, Lambert-93)
    when known, else the representative point of its commune (``communes``: the commune level
    in Lambert-93, ``store.read_level("communes", zone="metro")``, with ``code, point``),
    flagged ``position_approchee``; without either the establishment is left out (counted in
    ``attrs["sans_position"]``). ``siae_point``: a shapely point or (x, y) in Lambert-93, or
    (longitude, latitude) in WGS84 (projected). Distance: straight line, km.

    Ranking: ``proximite`` (:data:`PROXIMITE`: same NAF sub-class 5 > class 4 > group 3 >
    division 2 > section, or a FAP domain shared with the SIAE's activities 1 > other 0; the
    NAF levels are skipped when the SIAE's code is generic, :data:`NAF_GENERIQUES`), then
    ``effectif_estime`` (midpoint of the SIRENE headcount band, :data:`EFFECTIF_MILIEU`;
    unknown last), then distance. Returns a plain DataFrame (``rang, siret, nom, naf,
    code_commune, tranche_effectif, tranche_libelle, effectif_estime, distance_km,
    position_approchee, proximite, proximite_libelle``) with French column labels in
    ``attrs["libelles"]``, ready for export.
    """
    x0, y0 = _as_lambert(siae_point)
    df = sirene.copy()
    empty = pd.Series(pd.NA, index=df.index, dtype="Float64")
    x = df["x"].astype("Float64") if "x" in df else empty.copy()
    y = df["y"].astype("Float64") if "y" in df else empty.copy()
    if "epsg" in df:
        foreign = df["epsg"].notna() & (df["epsg"].astype("Int64") != 2154)
        x, y = x.mask(foreign), y.mask(foreign)
    approx = x.isna() | y.isna()
    if communes is not None and approx.any():
        pts = communes.set_index("code")["point"]
        pts = pts[~pts.index.duplicated()]
        p = df.loc[approx, "code_commune"].map(pts)
        has = p.notna()
        idx = p.index[has]
        x[idx] = [g.x for g in p[has]]
        y[idx] = [g.y for g in p[has]]
    df["position_approchee"] = approx.to_numpy()
    located = x.notna() & y.notna()
    dist = np.hypot(x.astype("float64") - x0, y.astype("float64") - y0) / 1000
    df["distance_km"] = dist.round(2)
    sans_position = int((~located).sum())
    df = df.loc[located & (dist <= km)].copy()
    naf_siae = _norm_naf(naf_of_siae)
    if naf_siae in NAF_GENERIQUES:
        naf_siae = None
    corr = fap_correspondance(romes=romes, naf=naf_of_siae, type_siae=type_siae)
    fap = {k for k in corr if len(k) == 1} | {k[0] for k in corr if len(k) > 1}
    df["proximite"] = _closeness(df["naf"], naf_siae, fap)
    df["proximite_libelle"] = df["proximite"].map(PROXIMITE).astype("string")
    tranche = df["tranche_effectif"].astype("string") if "tranche_effectif" in df else None
    df["effectif_estime"] = (
        tranche.map(EFFECTIF_MILIEU).astype("float64") if tranche is not None else np.nan
    )
    df = df.sort_values(
        ["proximite", "effectif_estime", "distance_km"],
        ascending=[False, False, True],
        na_position="last",
        kind="stable",
        ignore_index=True,
    )
    df.insert(0, "rang", np.arange(1, len(df) + 1))
    cols = [
        "rang",
        "siret",
        "nom",
        "naf",
        "code_commune",
        "tranche_effectif",
        "tranche_libelle",
        "effectif_estime",
        "distance_km",
        "position_approchee",
        "proximite",
        "proximite_libelle",
    ]
    out = pd.DataFrame({c: df.get(c, pd.NA) for c in cols})
    out.attrs["sans_position"] = sans_position
    out.attrs["rayon_km"] = km
    out.attrs["libelles"] = {
        "rang": "Rang",
        "siret": "SIRET",
        "nom": "Nom",
        "naf": "Code NAF (APE)",
        "code_commune": "Code commune",
        "tranche_effectif": "Tranche d'effectif (code)",
        "tranche_libelle": "Tranche d'effectif",
        "effectif_estime": "Effectif estimé (milieu de tranche)",
        "distance_km": "Distance à la structure (km, à vol d'oiseau)",
        "position_approchee": "Position approchée (centre de la commune)",
        "proximite": "Proximité sectorielle (0 à 5)",
        "proximite_libelle": "Proximité sectorielle",
    }
    out.attrs["indicateurs"] = [
        {
            "key": "distance_km",
            "label": "Distance à la structure",
            "unit": "km",
            "numerator": "",
            "denominator": "",
            "source": "fichier SIRENE fourni (coordonnées Lambert-93 de l'INSEE, sinon point "
            "de la commune)",
            "vintage": "date d'extraction du fichier",
            "method": "distance euclidienne en Lambert-93 (à vol d'oiseau)",
        },
        {
            "key": "effectif_estime",
            "label": "Effectif salarié estimé",
            "unit": "salariés",
            "numerator": "",
            "denominator": "",
            "source": "tranche d'effectif salarié SIRENE",
            "vintage": "année de la tranche dans SIRENE",
            "method": "milieu de la tranche d'effectif (10 000 pour la tranche « 10 000 et "
            "plus ») ; NN = inconnu",
        },
    ]
    return out
