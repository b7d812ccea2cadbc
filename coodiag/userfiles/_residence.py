"""The commune of residence of a row: INSEE code, or postal code and name (see docs/formats.md).

A code is checked against the lineage of commune codes (:mod:`coodiag.reference.cog`: an obsolete
code is replaced by its 2025 commune, with a warning); a postal code typed in the INSEE column,
or a postal code and a name, go through :mod:`coodiag.reference.geocode`.
"""

from __future__ import annotations

import pandas as pd

from coodiag import codes
from coodiag.reference import cog, geocode
from coodiag.userfiles._validate import Collector, text_column

M_COMMUNE_MISSING = "commune de résidence manquante (code_commune, ou code_postal et commune)"
M_COMMUNE_MALFORMED = "code commune mal formé (5 caractères attendus, ex. 14118 ou 2A004)"


def _residence_one(c: str, p: str, n: str, info: dict) -> tuple[str | None, str | None, str | None]:
    """(COG 2025 code, rejected column, French text) for one (code, postal, name) triple.

    With a code, the text is a warning (code found) or the reject motif (code missing).
    """
    ref = geocode.load_reference()
    if c:
        if not codes.is_commune_code(c):
            return None, "code_commune", M_COMMUNE_MALFORMED
        target, status, detail = info[c]
        placed = status in ("actuel", "fusionné", "arrondissement")
        mismatch = (
            placed
            and n
            and geocode.is_postal_code(c)
            and geocode.normalize_name(n) not in ref.keys[target] | ref.old_keys[target]
        )
        alt = geocode.resolve_one(c, n)[0] if mismatch else None
        if alt and alt != target:
            return (
                alt,
                None,
                f"{c} est le code INSEE de {geocode.commune_name(target)} mais le nom indiqué "
                f"correspond au code postal {c} : commune {alt} ({geocode.commune_name(alt)}) "
                "retenue",
            )
        if status == "actuel":
            return target, None, None
        if status == "fusionné":
            return (
                target,
                None,
                (
                    f"code {c} obsolète, remplacé par {target} ({geocode.commune_name(target)}) "
                    "(commune fusionnée)"
                ),
            )
        if status == "arrondissement":
            return (
                target,
                None,
                (
                    f"arrondissement municipal {c} rattaché à sa commune {target} "
                    f"({geocode.commune_name(target)})"
                ),
            )
        if not geocode.is_postal_code(c):
            return None, "code_commune", detail
        cands = geocode.communes_of_postal(c)
        if n:
            alt, _res, why = geocode.resolve_one(c, n)
            if alt:
                return (
                    alt,
                    None,
                    (
                        f"{c} est un code postal, pas un code INSEE : commune {alt} "
                        f"({geocode.commune_name(alt)}) retrouvée avec le nom de la commune"
                    ),
                )
            return (
                None,
                "code_commune",
                (
                    f"{c} est un code postal, pas un code INSEE, et la commune n'a pas été "
                    f"retrouvée avec son nom : {why}"
                ),
            )
        if len(cands) == 1:
            return (
                cands[0],
                None,
                (
                    f"{c} est un code postal, pas un code INSEE : seule commune de ce code postal, "
                    f"{cands[0]} ({geocode.commune_name(cands[0])}), retenue"
                ),
            )
        return (
            None,
            "code_commune",
            (
                f"{c} est un code postal, pas un code INSEE, partagé par {len(cands)} communes : "
                "indiquez le code INSEE ou ajoutez la colonne « commune »"
            ),
        )
    if p or n:
        postal = codes.parse_postcode(p)
        if p and postal is None:
            return None, "code_postal", "code postal mal formé (5 chiffres attendus)"
        found, res, why = geocode.resolve_one(postal, n or None)
        if found:
            text = None
            if res != geocode.RES_EXACT:
                text = f"commune {found} ({geocode.commune_name(found)}) retenue par « {res} »"
            return found, None, text
        return None, "commune" if n else "code_postal", f"commune non retrouvée : {why}"
    return None, "code_commune", M_COMMUNE_MISSING


def resolve_residence(frame: pd.DataFrame, col: Collector, cache: dict | None = None) -> pd.Series:
    """COG 2025 commune of each row from code_commune, or code_postal + commune.

    Computed once per distinct (code, postal code, name) triple, then spread over the rows;
    ``cache`` keeps the triples already resolved (a file read in chunks resolves each once).
    """
    cache = {} if cache is None else cache
    code = text_column(frame, "code_commune").str.upper().str.replace(r"\.0$", "", regex=True)
    code = code.where(~code.str.fullmatch(r"\d{4}").fillna(False).astype(bool), "0" + code)
    triples = pd.DataFrame(
        {"c": code, "p": text_column(frame, "code_postal"), "n": text_column(frame, "commune")}
    ).astype(object)
    uniq = triples.drop_duplicates()
    keys = list(uniq.itertuples(index=False, name=None))
    todo = [k for k in keys if k not in cache]
    if todo:
        wellformed = list(dict.fromkeys(c for c, _p, _n in todo if c and codes.is_commune_code(c)))
        lineage = cog.current_code(pd.Series(wellformed, dtype="string"))
        info = {r.code: (r.code_2025, r.status, r.detail) for r in lineage.itertuples(index=False)}
        for c, p, n in todo:
            cache[(c, p, n)] = _residence_one(c, p, n, info)
    found = pd.DataFrame(
        [cache[k] for k in keys],
        columns=["code", "colonne", "texte"],
        index=pd.MultiIndex.from_frame(uniq),
    )
    rows = found.reindex(pd.MultiIndex.from_frame(triples))
    rows.index = frame.index
    out = rows["code"].astype("string")
    for column in ("code_commune", "code_postal", "commune"):
        bad = rows["colonne"] == column
        col.add(column, rows["texte"].where(bad).astype("string"))
    warn = rows["colonne"].isna() & rows["texte"].notna()
    source = code.ne("")
    notes = []
    for line, text, by_code in zip(
        frame.loc[warn, "ligne"], rows.loc[warn, "texte"], source[warn], strict=True
    ):
        column = "code_commune" if by_code else "commune"
        notes.append(f"ligne {line}, colonne {column} : {text}")
    col.note("résidence", notes)
    return out
