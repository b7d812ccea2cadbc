"""Reader of réseau memberships (several réseaux per SIAE), with known network names."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from coodiag.errors import DataError
from coodiag.reference import geocode
from coodiag.userfiles._validate import (
    M_MISSING,
    Collector,
    first_reason,
    parse_siret,
    reason_where,
    text_column,
)
from coodiag.userfiles.reader import read_table
from coodiag.userfiles.result import ImportResult, shown

#: The longest network name accepted (the longest real one is under 100 characters).
MAX_NAME = 200

# ---------------------------------------------------------------------------------------------
# 3. Réseaux
# ---------------------------------------------------------------------------------------------

RESEAUX_COLUMNS: dict[str, tuple[str, ...]] = {
    "siret": ("n siret", "numero siret", "siret_siae", "siret structure", "siret_structure"),
    "reseau": (
        "reseaux",
        "réseau",
        "réseaux",
        "federation",
        "fédération",
        "reseau_iae",
        "adhesion",
        "adhesions",
        "tete de reseau",
        "network",
    ),
    "nom": ("raison sociale", "raison_sociale", "denomination", "nom_structure", "structure"),
}
RESEAUX_REQUIRED = (("siret",), ("reseau",))
#: Canonical network name -> accepted spellings (compared upper-case, without accents).
RESEAUX_CONNUS: dict[str, tuple[str, ...]] = {
    "Coorace": ("COORACE", "FEDERATION COORACE"),
    "Fédération des acteurs de la solidarité": (
        "FAS",
        "FEDERATION DES ACTEURS DE LA SOLIDARITE",
        "FNARS",
        "ACTEURS DE LA SOLIDARITE",
    ),
    "Chantier école": ("CHANTIER ECOLE", "RESEAU CHANTIER ECOLE", "CHANTIERS ECOLE"),
    "Fédération des entreprises d'insertion": (
        "FEI",
        "FEDERATION DES ENTREPRISES D INSERTION",
        "LES ENTREPRISES D INSERTION",
        "FEDERATION DES EI",
    ),
    "Réseau Cocagne": ("COCAGNE", "RESEAU COCAGNE", "JARDINS DE COCAGNE"),
    "Comité national de liaison des régies de quartier": (
        "CNLRQ",
        "REGIES DE QUARTIER",
        "REGIE DE QUARTIER",
        "COMITE NATIONAL DE LIAISON DES REGIES DE QUARTIER",
    ),
    "Emmaüs": ("EMMAUS", "EMMAUS FRANCE"),
    "Tissons la solidarité": ("TISSONS LA SOLIDARITE", "TISSONS"),
    "GRAFIE": ("GRAFIE",),
    "INAE": ("INAE", "INAE NOUVELLE AQUITAINE"),
    "Réseau Envie": ("ENVIE", "RESEAU ENVIE"),
    "Fédération française des GEIQ": ("FFGEIQ", "FEDERATION FRANCAISE DES GEIQ", "GEIQ"),
    "UNEA": ("UNEA", "UNION NATIONALE DES ENTREPRISES ADAPTEES"),
    "UNAI": ("UNAI",),
    "UNAPEI": ("UNAPEI",),
}


def reseau_key(name: str) -> str:
    """The normalised spelling of a network name (upper-case ASCII words)."""
    return re.sub(r"[^A-Z0-9]+", " ", geocode.ascii_fold(name).upper()).strip()


def reseau_aliases() -> dict[str, str]:
    """Normalised spelling -> canonical network name (built-in list + the mirror's lists)."""
    aliases = {}
    for canonical, names in RESEAUX_CONNUS.items():
        aliases[reseau_key(canonical)] = canonical
        for n in names:
            aliases[reseau_key(n)] = canonical
    try:
        import json

        from coodiag.mirror.sync import raw_path

        for rec in json.loads(
            raw_path("nomenclatures/reseaux/0a_networks.json").read_text("utf-8")
        ):
            fields = rec.get("fields", {})
            name = fields.get("name")
            if not name:
                continue
            canonical = aliases.get(reseau_key(name), name)
            aliases.setdefault(reseau_key(name), canonical)
            if fields.get("brand"):
                aliases.setdefault(reseau_key(fields["brand"]), canonical)
    except (DataError, OSError, ValueError):
        pass  # the built-in list is enough to run
    return aliases


def read_reseaux(path: Path | str) -> ImportResult:
    """Read network memberships: one row per SIRET and network, or several networks per cell.

    Returns
    -------
    ImportResult
        ``data`` columns: ``ligne, siret, reseau`` (canonical name, or the given one if unknown),
        ``reseau_connu`` (bool), ``nom``; one row per membership.
    """
    table = read_table(path, synonyms=RESEAUX_COLUMNS, required=RESEAUX_REQUIRED, label="réseaux")
    f = table.frame
    col = Collector(table)
    siret, m = parse_siret(text_column(f, "siret"), required=True)
    col.add("siret", m)
    raw = text_column(f, "reseau")
    col.add("reseau", first_reason(
        reason_where(raw == "", M_MISSING),
        reason_where(raw.str.len() > MAX_NAME, f"nom de réseau de plus de {MAX_NAME} caractères "
                     "(cellule collée par erreur ?)"),
    ), show_value=False)
    raw = raw.where(raw.str.len() <= MAX_NAME, "")
    aliases = reseau_aliases()
    rows = []
    for line, s, cell, nom in zip(f["ligne"], siret, raw, text_column(f, "nom"), strict=True):
        for token in re.split(r"[;,|]", cell):
            t = token.strip()
            if not t:
                continue
            canonical = aliases.get(reseau_key(t))
            rows.append((line, s, canonical or t, canonical is not None, nom or pd.NA))
            if canonical is None:
                col.warnings.append(
                    f"ligne {line}, colonne reseau : réseau « {shown(t)} » inconnu, conservé tel "
                    "quel."
                )
    data = pd.DataFrame(rows, columns=["ligne", "siret", "reseau", "reseau_connu", "nom"])
    data = data.astype({"siret": "string", "reseau": "string", "nom": "string"})
    bad_lines = set(f.loc[col.bad_mask(), "ligne"])
    data = data[~data["ligne"].isin(bad_lines)]
    dup = data.duplicated(["siret", "reseau"], keep="first")
    first_line = data[~dup].set_index(["siret", "reseau"])["ligne"]
    # A row all of whose memberships were already given is a duplicate row.
    dup_lines = data[dup].groupby("ligne").size()
    all_lines = data.groupby("ligne").size()
    whole = [ln for ln, n in dup_lines.items() if all_lines[ln] == n]
    if whole:
        d = data[data["ligne"].isin(whole)].drop_duplicates("ligne")
        col.rows.append(
            pd.DataFrame(
                {
                    "ligne": d["ligne"],
                    "colonne": "",
                    "valeur": "",
                    "motif": [
                        f"doublon de la ligne {first_line[(s, r)]} (même SIRET et même réseau)"
                        for s, r in d[["siret", "reseau"]].itertuples(index=False)
                    ],
                }
            )
        )
    data = data[~dup].reset_index(drop=True)
    # Pass the membership table through finish with the row frame for counting.
    rejects = col.rejects()
    n_read = len(f) + len(table.rejects)
    return ImportResult(
        kind="réseaux",
        path=table.path,
        source=table.source,
        data=data,
        rejects=rejects,
        warnings=col.warnings,
        n_read=n_read,
        n_used=n_read - rejects["ligne"].nunique(),
        n_rejected=rejects["ligne"].nunique(),
        notes=[f"{len(data)} adhésion(s) de {data['siret'].nunique()} structure(s)."],
    )
