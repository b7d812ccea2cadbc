"""Reader of the salariés en parcours file (personal data: kept in memory only)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from coodiag.reference import geocode
from coodiag.userfiles._residence import resolve_residence
from coodiag.userfiles._validate import (
    Collector,
    excel_serial_dates,
    first_reason,
    parse_dates,
    parse_number,
    parse_siret,
    per_value,
    reason_where,
    text_column,
)
from coodiag.userfiles.assemble import Chunks, system_arrow_pool
from coodiag.userfiles.reader import iter_table
from coodiag.userfiles.reftables import use_base_reference
from coodiag.userfiles.result import ImportResult

# ---------------------------------------------------------------------------------------------
# 1. Salariés en parcours
# ---------------------------------------------------------------------------------------------

SALARIES_COLUMNS: dict[str, tuple[str, ...]] = {
    "id_salarie": ("id", "identifiant", "pseudonyme", "id_personne", "numero_salarie", "matricule"),
    "code_commune": (
        "code insee",
        "code_insee",
        "insee",
        "codgeo",
        "code commune",
        "com",
        "depcom",
        "code_insee_commune",
        "commune_insee",
        "code insee commune de residence",
        "code_commune_residence",
    ),
    "code_postal": ("cp", "code postal", "codepostal", "code_postal_residence", "postal"),
    "commune": (
        "nom commune",
        "nom_commune",
        "ville",
        "libelle commune",
        "commune_residence",
        "lib_commune",
        "localite",
    ),
    "annee_naissance": ("annee de naissance", "annee_de_naissance", "naissance", "an_naissance"),
    "age": ("age", "age a l'entree", "age_entree", "âge"),
    "sexe": ("genre", "sex"),
    "niveau_formation": (
        "niveau",
        "niveau de formation",
        "diplome",
        "niveau_diplome",
        "niveau_de_qualification",
        "formation",
    ),
    "public": ("publics", "public cible", "publics_prioritaires", "categorie_public", "criteres"),
    "date_debut": (
        "date d'entree",
        "date_entree",
        "debut",
        "date de debut",
        "entree",
        "date_debut_contrat",
        "date_embauche",
    ),
    "date_fin": (
        "date de sortie",
        "date_sortie",
        "fin",
        "date de fin",
        "sortie_date",
        "date_fin_contrat",
    ),
    "type_sortie": (
        "sortie",
        "type de sortie",
        "motif_sortie",
        "categorie_sortie",
        "nature_sortie",
    ),
    "siret": ("siret_siae", "siret structure", "siret_structure"),
}
SALARIES_REQUIRED = (("code_commune", "code_postal", "commune"), ("date_debut",))
PUBLICS = ("DELD", "BRSA", "QPV", "RQTH", "JEUNE", "SENIOR")
_PUBLIC_ALIASES = {
    "DELD": "DELD",
    "DETLD": "DELD",
    "DLD": "DELD",
    "DE LONGUE DUREE": "DELD",
    "CHOMEUR LONGUE DUREE": "DELD",
    "CHOMEUR DE LONGUE DUREE": "DELD",
    "BRSA": "BRSA",
    "RSA": "BRSA",
    "BENEFICIAIRE RSA": "BRSA",
    "BENEFICIAIRE DU RSA": "BRSA",
    "QPV": "QPV",
    "RESIDENT QPV": "QPV",
    "RQTH": "RQTH",
    "TH": "RQTH",
    "BOETH": "RQTH",
    "TRAVAILLEUR HANDICAPE": "RQTH",
    "JEUNE": "JEUNE",
    "JEUNES": "JEUNE",
    "MOINS DE 26 ANS": "JEUNE",
    "26": "JEUNE",
    "SENIOR": "SENIOR",
    "SENIORS": "SENIOR",
    "50 ANS ET PLUS": "SENIOR",
    "50": "SENIOR",
    "PLUS DE 50 ANS": "SENIOR",
}
NIVEAUX = ("sans diplôme", "CAP-BEP", "bac", "bac+2", "bac+3 et plus")
_NIVEAU_ALIASES = {
    "SANS DIPLOME": 0,
    "AUCUN": 0,
    "AUCUN DIPLOME": 0,
    "INFRA": 0,
    "BREVET": 0,
    "CEP": 0,
    "DNB": 0,
    "INFRA 3": 0,
    "NIVEAU 1": 0,
    "NIVEAU 2": 0,
    "1": 0,
    "2": 0,
    "VI": 0,
    "V BIS": 0,
    "VBIS": 0,
    "NIVEAU VI": 0,
    "NIVEAU V BIS": 0,
    "CAP": 1,
    "BEP": 1,
    "CAP BEP": 1,
    "NIVEAU 3": 1,
    "3": 1,
    "V": 1,
    "NIVEAU V": 1,
    "BAC": 2,
    "BACCALAUREAT": 2,
    "BAC PRO": 2,
    "BP": 2,
    "NIVEAU 4": 2,
    "4": 2,
    "IV": 2,
    "NIVEAU IV": 2,
    "BAC 2": 3,
    "BTS": 3,
    "DUT": 3,
    "DEUG": 3,
    "NIVEAU 5": 3,
    "5": 3,
    "III": 3,
    "NIVEAU III": 3,
    "BAC 3": 4,
    "BAC 3 ET PLUS": 4,
    "BAC 4": 4,
    "BAC 5": 4,
    "LICENCE": 4,
    "MASTER": 4,
    "DOCTORAT": 4,
    "NIVEAU 6": 4,
    "NIVEAU 7": 4,
    "NIVEAU 8": 4,
    "6": 4,
    "7": 4,
    "8": 4,
    "II": 4,
    "I": 4,
    "NIVEAU II": 4,
    "NIVEAU I": 4,
    "SUPERIEUR": 4,
}
SORTIES = ("emploi durable", "emploi de transition", "sortie positive", "autre")
_SORTIE_ALIASES = {
    "EMPLOI DURABLE": 0,
    "DURABLE": 0,
    "ED": 0,
    "EMPLOI DE TRANSITION": 1,
    "TRANSITION": 1,
    "EMPLOI TRANSITION": 1,
    "ET": 1,
    "SORTIE POSITIVE": 2,
    "POSITIVE": 2,
    "SP": 2,
    "AUTRE": 3,
    "AUTRES": 3,
    "AUTRE SORTIE": 3,
    "AUTRES SORTIES": 3,
}
M_SEXE = "sexe non reconnu (attendu : F ou H)"
M_NIVEAU = (
    "niveau de formation non reconnu (attendu : sans diplôme, CAP-BEP, bac, bac+2, "
    "bac+3 et plus ; niveaux 1 à 8 ; ou VI, V bis, V, IV, III, II, I)"
)
M_SORTIE = (
    "type de sortie non reconnu (attendu : emploi durable, emploi de transition, "
    "sortie positive, autre)"
)
M_SORTIE_ONGOING = "type de sortie renseigné alors que la date de fin est vide (contrat en cours)"
M_END_BEFORE = "date de fin antérieure à la date de début"
M_EXCEL_SERIAL = (
    "dates saisies comme numéros de série Excel (45292 = 01/01/2024), converties en dates : "
    "vérifiez-les, ou formatez la colonne en date dans le tableur avant d'exporter"
)
M_AGE = "âge invalide (nombre entier de 14 à 80 ans attendu)"


def _key(values: pd.Series) -> pd.Series:
    """Upper-case ASCII words ("Bac+2" -> "BAC 2", "sans diplôme" -> "SANS DIPLOME")."""
    table = {
        v: re.sub(r"[^A-Z0-9]+", " ", geocode.ascii_fold(v).upper()).strip()
        for v in values.dropna().unique()
    }
    return values.map(table).astype("string")


@per_value
def _lookup(values: pd.Series, aliases: dict[str, int], labels: tuple[str, ...], motif: str):
    k = _key(values)
    idx = k.map(aliases)
    out = idx.map(lambda i: labels[int(i)], na_action="ignore").astype("string")
    return out, reason_where((values != "") & idx.isna(), motif)


def _parse_one_public(v: str) -> tuple[frozenset[str], str | None]:
    found, unknown = set(), []
    for token in re.split(r"[,;|/+]", v):
        t = re.sub(r"[^A-Z0-9]+", " ", geocode.ascii_fold(token).upper()).strip()
        if not t:
            continue
        p = _PUBLIC_ALIASES.get(t)
        if p:
            found.add(p)
        else:
            unknown.append(token.strip())
    why = None
    if unknown:
        why = (
            f"public non reconnu : « {unknown[0]} » (attendu : DELD, BRSA, QPV, RQTH, "
            "JEUNE, SENIOR, séparés par , ; | ou /)"
        )
    return frozenset(found), why


def _parse_public(values: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Flags of the priority publics and a motif per row, computed once per distinct value."""
    codes, uniques = pd.factorize(values)
    parsed = [_parse_one_public(v) for v in uniques]
    frame = pd.DataFrame(
        {p: np.array([p in f for f, _w in parsed], dtype=bool)[codes] for p in PUBLICS},
        index=values.index,
    )
    whys = pd.array([w for _f, w in parsed], dtype="string")
    return frame, pd.Series(whys.take(codes), index=values.index, dtype="string")


def read_salaries(path: Path | str) -> ImportResult:
    """Read a file of salariés en parcours (one row per person-contract).

    Returns
    -------
    ImportResult
        ``data`` columns: ``ligne, id_salarie, code_commune`` (COG 2025), ``annee_naissance,
        age_entree`` (Int64; from the birth year, approximate to one year, or the given age),
        ``sexe`` (F/H), ``niveau_formation`` (one of :data:`NIVEAUX`), ``deld, brsa, qpv, rqth,
        jeune, senior`` (bool; jeune/senior also deduced from the age), ``date_debut,
        date_fin`` (datetime; date_fin missing = ongoing), ``en_cours`` (bool), ``type_sortie``
        (one of :data:`SORTIES` or missing), ``siret``. ``personal`` is True.
    """
    stream = iter_table(
        path, synonyms=SALARIES_COLUMNS, required=SALARIES_REQUIRED, label="salariés en parcours"
    )
    use_base_reference()  # the geocoding tables of the base: 0.1 s instead of 2.8 s
    col = Collector(stream)
    kept: Chunks | None = None
    cache: dict = {}
    with system_arrow_pool():
        for chunk in stream:  # bounded memory: CHUNK_ROWS rows at a time
            col.start(chunk)
            data = _chunk_data(col, cache)
            if kept is None:
                kept = Chunks([c for c in data.columns if c != "ligne"], stream.max_rows)
            kept.add(data, col)
            del data
        assert kept is not None  # a stream yields at least one chunk
        return kept.finish("salariés en parcours", stream, col, personal=True)


def _chunk_data(col: Collector, cache: dict) -> pd.DataFrame:
    """The typed rows of the collector's current chunk (rejects gathered in ``col``)."""
    f = col.frame
    idx = f.index
    commune = resolve_residence(f, col, cache)
    this_year = dt.date.today().year
    annee, m = parse_number(text_column(f, "annee_naissance"), integer=True)
    bad_year = annee.notna() & ((annee < 1930) | (annee > this_year - 14))
    col.add(
        "annee_naissance",
        first_reason(
            reason_where(
                m.notna(), f"année de naissance invalide (4 chiffres de 1930 à {this_year - 14})"
            ),
            reason_where(
                bad_year, f"année de naissance invalide (4 chiffres de 1930 à {this_year - 14})"
            ),
        ),
    )
    age, m = parse_number(text_column(f, "age"), integer=True)
    col.add(
        "age",
        first_reason(
            reason_where(m.notna(), M_AGE),
            reason_where(age.notna() & ((age < 14) | (age > 80)), M_AGE),
        ),
    )
    sexe_key = _key(text_column(f, "sexe"))
    sexe = sexe_key.map(
        {
            "F": "F",
            "FEMME": "F",
            "FEMININ": "F",
            "2": "F",
            "MME": "F",
            "H": "H",
            "M": "H",
            "HOMME": "H",
            "MASCULIN": "H",
            "1": "H",
            "MR": "H",
        }
    ).astype("string")
    col.add("sexe", reason_where((text_column(f, "sexe") != "") & sexe.isna(), M_SEXE))
    niveau, m = _lookup(text_column(f, "niveau_formation"), _NIVEAU_ALIASES, NIVEAUX, M_NIVEAU)
    col.add("niveau_formation", m)
    publics, m = _parse_public(text_column(f, "public"))
    col.add("public", m)
    debut, m = parse_dates(text_column(f, "date_debut"), required=True)
    col.add("date_debut", m)
    for c in ("date_debut", "date_fin"):
        col.warn_lines(c, excel_serial_dates(text_column(f, c))[1], M_EXCEL_SERIAL)
    fin, m = parse_dates(text_column(f, "date_fin"), required=False)
    m = m.fillna(reason_where(fin.notna() & debut.notna() & (fin < debut), M_END_BEFORE))
    col.add("date_fin", m)
    sortie, m = _lookup(text_column(f, "type_sortie"), _SORTIE_ALIASES, SORTIES, M_SORTIE)
    ongoing = sortie.notna() & (text_column(f, "date_fin") == "")
    m = m.fillna(reason_where(ongoing, M_SORTIE_ONGOING))
    col.add("type_sortie", m)
    siret_raw = text_column(f, "siret")
    siret, m = parse_siret(siret_raw, required=False)
    col.add("siret", m)

    age_entree = age.astype("Int64")
    from_year = debut.dt.year.astype("Int64") - annee.astype("Int64")
    age_entree = age_entree.fillna(from_year)
    data = pd.DataFrame(
        {
            "ligne": f["ligne"],
            "id_salarie": text_column(f, "id_salarie").replace("", pd.NA),
            "code_commune": commune,
            "annee_naissance": annee.astype("Int64"),
            "age_entree": age_entree,
            "sexe": sexe,
            "niveau_formation": niveau,
            **{p.lower(): publics[p] for p in PUBLICS},
            "date_debut": debut,
            "date_fin": fin,
            "en_cours": fin.isna(),
            "type_sortie": sortie,
            "siret": siret,
        },
        index=idx,
    )
    data["jeune"] = data["jeune"] | (data["age_entree"] < 26).fillna(False).astype(bool)
    data["senior"] = data["senior"] | (data["age_entree"] >= 50).fillna(False).astype(bool)
    return data
