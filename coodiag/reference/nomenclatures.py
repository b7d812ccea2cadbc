"""Nomenclatures of occupations: FAP domains, ROME and NAF correspondences to them.

The BMO survey codes occupations with the DARES families of occupations (FAP: "T4X60" Agents
d'entretien de locaux); the first letter is the FAP *domain* (:data:`FAP_DOMAINES`). The SIAE
registry gives ROME v3 codes (228 SIAE of the ASP 2019 list) and an APE code (NAF rév. 2). The
mirror holds **no official ROME ↔ FAP crosswalk** (DARES publishes one at the level of ROME
codes × FAP 225 families, not in the mirror): :data:`ROME_VERS_FAP` and :data:`NAF_VERS_FAP`
are hand-written at domain level, from the titles of the domains. They say "this occupation is
in the line of work of the structure", not "this is the same job": read the matches as leads.
Used by :func:`coodiag.analyses.occupations.bmo_profile` and
:func:`coodiag.analyses.prospect.prospects`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

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


def norm_naf(naf: Any) -> str | None:
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
    n = norm_naf(naf)
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
