"""Validate the four user file formats (see docs/formats.md) into clean, typed tables.

Every input row ends up either in ``data`` (used) or in ``rejects`` (one line per faulty cell:
``ligne``, ``colonne``, ``valeur``, ``motif`` in French), and ``n_read == n_used + n_rejected``
always holds. Warnings (French) list what was accepted but changed: an obsolete commune code
replaced by its 2025 commune, a postal code found in the INSEE code column, an unknown network
name kept as given...

Personal data (salariés en parcours): a reject line carries only the faulty cell, never the other
values of the row; :meth:`ImportResult.write_rejects` refuses to write inside the project's
``data/`` folder; nothing is written anywhere unless the caller asks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coodiag import cog, geocode, settings
from coodiag.errors import DataError
from coodiag.imports.reader import FORMULA_PREFIXES, RawTable, read_table
from coodiag.io import atomic_path

REJECT_COLUMNS = ["ligne", "colonne", "valeur", "motif"]
_MAX_LISTED = 20

# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """The outcome of reading one user file."""

    kind: str  # French format name: "salariés en parcours", "capacité", "réseaux", "SIRENE"
    path: Path
    source: str  # French: format, encoding, delimiter or sheet
    data: pd.DataFrame
    rejects: pd.DataFrame  # ligne, colonne, valeur, motif (one line per faulty cell)
    warnings: list[str]
    n_read: int
    n_used: int
    n_rejected: int
    personal: bool = False  # True: personal data, rejects never written under data/
    notes: list[str] = field(default_factory=list)  # French method notes (aggregations...)

    def __post_init__(self) -> None:
        rejected_lines = self.rejects["ligne"].nunique() if len(self.rejects) else 0
        assert rejected_lines == self.n_rejected, (rejected_lines, self.n_rejected)
        assert self.n_read == self.n_used + self.n_rejected, (
            self.n_read,
            self.n_used,
            self.n_rejected,
        )

    @property
    def rejected_lines(self) -> list[int]:
        """The sorted file line numbers of the rejected rows."""
        return sorted(int(x) for x in self.rejects["ligne"].unique())

    def report_text(self, limit: int = _MAX_LISTED) -> str:
        """A French summary: counts, then the first rejects and warnings."""
        out = [
            f"Fichier « {self.path.name} » ({self.kind}) : {self.source}.",
            f"Lignes lues : {self.n_read} ; utilisées : {self.n_used} ; rejetées : "
            f"{self.n_rejected}.",
        ]
        out += self.notes
        if len(self.rejects):
            out.append(f"Rejets ({len(self.rejects)} anomalie(s) sur {self.n_rejected} ligne(s)) :")
            for r in self.rejects.head(limit).itertuples(index=False):
                where = f"ligne {r.ligne}" + (f", colonne {r.colonne}" if r.colonne else "")
                value = f" (valeur « {r.valeur} »)" if r.valeur else ""
                out.append(f"  - {where}{value} : {r.motif}")
            if len(self.rejects) > limit:
                out.append(
                    f"  … et {len(self.rejects) - limit} autres (voir le fichier des rejets)."
                )
        if self.warnings:
            out.append(f"Avertissements ({len(self.warnings)}) :")
            out += [f"  - {w}" for w in self.warnings[:limit]]
            if len(self.warnings) > limit:
                out.append(f"  … et {len(self.warnings) - limit} autres.")
        return "\n".join(out)

    def write_rejects(self, path: Path | str) -> Path:
        """Write the rejects as CSV for Excel users (UTF-8 with BOM, ``;``), atomically.

        Values that a spreadsheet would run as a formula are prefixed with an apostrophe.
        For personal data (salariés), a path inside the project's ``data/`` folder is refused.
        """
        path = Path(path)
        if self.personal:
            data = settings.data_dir().resolve()
            target = path.resolve()
            if target == data or target.is_relative_to(data):
                raise DataError(
                    f"{path} : refus d'écrire les rejets du fichier des salariés dans le dossier "
                    f"data/ du projet ({data}) : ce dossier ne doit contenir aucune donnée "
                    "personnelle. Choisissez un autre emplacement (dossier de travail personnel)."
                )
        out = self.rejects.copy()
        for col in ("colonne", "valeur", "motif"):
            out[col] = out[col].astype("string").map(_defuse, na_action="ignore")
        with atomic_path(path) as tmp:
            out.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig")
        return path


def _defuse(value: str) -> str:
    return "'" + value if value and value[0] in (*FORMULA_PREFIXES, "\t", "\r") else value


# ---------------------------------------------------------------------------------------------
# Building blocks: each returns (parsed values, motif per row or NA)
# ---------------------------------------------------------------------------------------------


class _Collector:
    """Reject lines of one file, cell by cell."""

    def __init__(self, table: RawTable) -> None:
        self.frame = table.frame
        self.rows: list[pd.DataFrame] = [pd.DataFrame(table.rejects, columns=REJECT_COLUMNS)]
        self.warnings = list(table.warnings)

    def add(self, column: str, motif: pd.Series, *, show_value: bool = True) -> None:
        """Reject the rows where ``motif`` is set, citing ``column``'s cell."""
        bad = motif.notna()
        if not bad.any():
            return
        value = self.frame.loc[bad, column] if show_value and column in self.frame else ""
        self.rows.append(
            pd.DataFrame(
                {
                    "ligne": self.frame.loc[bad, "ligne"],
                    "colonne": column,
                    "valeur": value,
                    "motif": motif[bad],
                }
            )
        )

    def bad_mask(self) -> pd.Series:
        lines = set()
        for r in self.rows[1:]:
            lines |= set(r["ligne"])
        return self.frame["ligne"].isin(lines)

    def rejects(self) -> pd.DataFrame:
        frames = [r for r in self.rows if len(r)]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in REJECT_COLUMNS}).astype(
                {"ligne": "int64"}
            )
        out = pd.concat(frames, ignore_index=True)
        out["ligne"] = out["ligne"].astype("int64")
        for c in ("colonne", "valeur", "motif"):
            out[c] = out[c].astype("string").fillna("")
        return out.sort_values(["ligne", "colonne"], kind="stable").reset_index(drop=True)


def _na(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="string")


def _motif(mask: pd.Series, text: str | pd.Series) -> pd.Series:
    if isinstance(text, str):
        return pd.Series(text, index=mask.index, dtype="string").where(mask)
    return text.astype("string").where(mask)


def _first(*motifs: pd.Series) -> pd.Series:
    out = motifs[0]
    for m in motifs[1:]:
        out = out.fillna(m)
    return out


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].astype("string").fillna("").str.strip()
    return pd.Series("", index=frame.index, dtype="string")


_DATE_FORMATS = (
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"),
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "%d-%m-%Y"),
)
M_DATE_FORMAT = "date au format non reconnu (attendu JJ/MM/AAAA, AAAA-MM-JJ ou JJ-MM-AAAA)"
M_DATE_INVALID = "date inexistante"
M_MISSING = "valeur manquante"


def parse_dates(values: pd.Series, *, required: bool) -> tuple[pd.Series, pd.Series]:
    """DD/MM/YYYY, YYYY-MM-DD, DD-MM-YYYY (a trailing 00:00[:00] time is allowed)."""
    s = values.str.replace(r"[ T]00:00(?::00)?(?:\.0+)?$", "", regex=True)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    matched = pd.Series(False, index=s.index)
    for pattern, fmt in _DATE_FORMATS:
        m = s.str.match(pattern).fillna(False).astype(bool)
        if m.any():
            out[m] = pd.to_datetime(s[m], format=fmt, errors="coerce").astype("datetime64[us]")
            matched |= m
    empty = s == ""
    last = dt.date.today().year + 2
    year = out.dt.year
    motif = _first(
        _motif(empty, M_MISSING) if required else _na(s.index),
        _motif(~empty & ~matched, M_DATE_FORMAT),
        _motif(matched & out.isna(), M_DATE_INVALID),
        _motif(
            out.notna() & ((year < 1990) | (year > last)),
            f"date hors de la plage plausible (1990 à {last})",
        ),
    )
    return out, motif


M_SIRET_DIGITS = "SIRET invalide : 14 chiffres attendus"
M_SIRET_LUHN = "SIRET invalide : clé de contrôle incorrecte (faute de frappe ?)"
M_SIRET_SCI = (
    "SIRET en notation scientifique : chiffres perdus par le tableur (formatez la colonne en "
    "texte et ressaisissez-la)"
)
LA_POSTE_SIREN = "356000000"


def siret_is_valid(siret: str) -> bool:
    """Luhn check of a 14-digit SIRET; La Poste's establishments (SIREN 356000000) use sum % 5."""
    if not re.fullmatch(r"\d{14}", siret):
        return False
    if siret.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in siret) % 5 == 0
    total = 0
    for i, c in enumerate(reversed(siret)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def parse_siret(values: pd.Series, *, required: bool) -> tuple[pd.Series, pd.Series]:
    """Spaces and dots dropped; 14 digits and a valid check key required."""
    s = values.str.replace(r"[\s.\u00a0]", "", regex=True)
    sci = values.str.match(r"^\d(?:[.,]\d+)?[eE]\+?\d+$").fillna(False).astype(bool)
    digits = s.str.fullmatch(r"\d{14}").fillna(False).astype(bool)
    empty = values == ""
    luhn = pd.Series(
        [siret_is_valid(v) if d else False for v, d in zip(s, digits, strict=True)], index=s.index
    )
    motif = _first(
        _motif(empty, M_MISSING) if required else _na(s.index),
        _motif(sci, M_SIRET_SCI),
        _motif(~empty & ~digits, M_SIRET_DIGITS),
        _motif(digits & ~luhn, M_SIRET_LUHN),
    )
    return s.where(digits & luhn), motif


M_NUMBER = "nombre invalide (chiffres attendus, virgule ou point décimal)"


def parse_number(values: pd.Series, *, integer: bool = False) -> tuple[pd.Series, pd.Series]:
    """Decimal comma or point, spaces as thousands separators; negative values rejected."""
    s = values.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    ok = s.str.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)").fillna(False).astype(bool)
    num = pd.to_numeric(s.where(ok), errors="coerce").astype("Float64")
    empty = values == ""
    motif = _first(
        _motif(~empty & ~ok, M_NUMBER),
        _motif(num.fillna(0) < 0, "nombre négatif"),
        _motif(
            (num.fillna(0) % 1 != 0) if integer else pd.Series(False, index=s.index),
            "nombre entier attendu",
        ),
    )
    return num, motif


# ---------------------------------------------------------------------------------------------
# Commune of residence
# ---------------------------------------------------------------------------------------------

M_COMMUNE_MISSING = "commune de résidence manquante (code_commune, ou code_postal et commune)"
M_COMMUNE_MALFORMED = "code commune mal formé (5 caractères attendus, ex. 14118 ou 2A004)"


def _residence_one(c: str, p: str, n: str, info: dict) -> tuple[str | None, str | None, str | None]:
    """(COG 2025 code, rejected column, French text) for one (code, postal, name) triple.

    With a code, the text is a warning (code found) or the reject motif (code missing).
    """
    ref = geocode._reference()
    if c:
        if not re.fullmatch(r"\d{5}|2[AB]\d{3}", c):
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
        postal = geocode.normalize_postal(p)
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


def _resolve_residence(frame: pd.DataFrame, col: _Collector) -> pd.Series:
    """COG 2025 commune of each row from code_commune, or code_postal + commune.

    Computed once per distinct (code, postal code, name) triple, then spread over the rows.
    """
    code = _col(frame, "code_commune").str.upper().str.replace(r"\.0$", "", regex=True)
    code = code.where(~code.str.fullmatch(r"\d{4}").fillna(False).astype(bool), "0" + code)
    triples = pd.DataFrame(
        {"c": code, "p": _col(frame, "code_postal"), "n": _col(frame, "commune")}
    ).astype(object)
    uniq = triples.drop_duplicates()
    codes = [c for c in uniq["c"].unique() if c and re.fullmatch(r"\d{5}|2[AB]\d{3}", c)]
    lineage = cog.current_code(pd.Series(codes, dtype="string"))
    info = {r.code: (r.code_2025, r.status, r.detail) for r in lineage.itertuples(index=False)}
    found = pd.DataFrame(
        [_residence_one(c, p, n, info) for c, p, n in uniq.itertuples(index=False)],
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
    for line, text, by_code in zip(
        frame.loc[warn, "ligne"], rows.loc[warn, "texte"], source[warn], strict=True
    ):
        column = "code_commune" if by_code else "commune"
        col.warnings.append(f"ligne {line}, colonne {column} : {text}")
    return out


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
M_AGE = "âge invalide (nombre entier de 14 à 80 ans attendu)"


def _key(values: pd.Series) -> pd.Series:
    """Upper-case ASCII words ("Bac+2" -> "BAC 2", "sans diplôme" -> "SANS DIPLOME")."""
    table = {
        v: re.sub(r"[^A-Z0-9]+", " ", geocode._ascii(v).upper()).strip()
        for v in values.dropna().unique()
    }
    return values.map(table).astype("string")


def _lookup(values: pd.Series, aliases: dict[str, int], labels: tuple[str, ...], motif: str):
    k = _key(values)
    idx = k.map(aliases)
    out = idx.map(lambda i: labels[int(i)], na_action="ignore").astype("string")
    return out, _motif((values != "") & idx.isna(), motif)


def _parse_public(values: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    flags = {p: [] for p in PUBLICS}
    motifs = []
    cache: dict[str, tuple[frozenset[str], str | None]] = {}
    for v in values.tolist():
        if v not in cache:
            found, unknown = set(), []
            for token in re.split(r"[,;|/+]", v):
                t = re.sub(r"[^A-Z0-9]+", " ", geocode._ascii(token).upper()).strip()
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
            cache[v] = (frozenset(found), why)
        found, why = cache[v]
        for p in PUBLICS:
            flags[p].append(p in found)
        motifs.append(why)
    frame = pd.DataFrame(flags, index=values.index)
    return frame, pd.Series(motifs, index=values.index, dtype="string")


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
    table = read_table(
        path, synonyms=SALARIES_COLUMNS, required=SALARIES_REQUIRED, label="salariés en parcours"
    )
    f = table.frame
    col = _Collector(table)
    idx = f.index
    commune = _resolve_residence(f, col)
    this_year = dt.date.today().year
    annee, m = parse_number(_col(f, "annee_naissance"), integer=True)
    bad_year = annee.notna() & ((annee < 1930) | (annee > this_year - 14))
    col.add(
        "annee_naissance",
        _first(
            _motif(
                m.notna(), f"année de naissance invalide (4 chiffres de 1930 à {this_year - 14})"
            ),
            _motif(
                bad_year, f"année de naissance invalide (4 chiffres de 1930 à {this_year - 14})"
            ),
        ),
    )
    age, m = parse_number(_col(f, "age"), integer=True)
    col.add(
        "age",
        _first(_motif(m.notna(), M_AGE), _motif(age.notna() & ((age < 14) | (age > 80)), M_AGE)),
    )
    sexe_key = _key(_col(f, "sexe"))
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
    col.add("sexe", _motif((_col(f, "sexe") != "") & sexe.isna(), M_SEXE))
    niveau, m = _lookup(_col(f, "niveau_formation"), _NIVEAU_ALIASES, NIVEAUX, M_NIVEAU)
    col.add("niveau_formation", m)
    publics, m = _parse_public(_col(f, "public"))
    col.add("public", m)
    debut, m = parse_dates(_col(f, "date_debut"), required=True)
    col.add("date_debut", m)
    fin, m = parse_dates(_col(f, "date_fin"), required=False)
    m = m.fillna(_motif(fin.notna() & debut.notna() & (fin < debut), M_END_BEFORE))
    col.add("date_fin", m)
    sortie, m = _lookup(_col(f, "type_sortie"), _SORTIE_ALIASES, SORTIES, M_SORTIE)
    m = m.fillna(_motif(sortie.notna() & (_col(f, "date_fin") == ""), M_SORTIE_ONGOING))
    col.add("type_sortie", m)
    siret_raw = _col(f, "siret")
    siret, m = parse_siret(siret_raw, required=False)
    col.add("siret", m)

    age_entree = age.astype("Int64")
    from_year = debut.dt.year.astype("Int64") - annee.astype("Int64")
    age_entree = age_entree.fillna(from_year)
    data = pd.DataFrame(
        {
            "ligne": f["ligne"],
            "id_salarie": _col(f, "id_salarie").replace("", pd.NA),
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
    return _finish(
        "salariés en parcours",
        table,
        col,
        data,
        key=[c for c in data.columns if c != "ligne"],
        personal=True,
    )


def _finish(
    kind: str,
    table: RawTable,
    col: _Collector,
    data: pd.DataFrame,
    *,
    key: list[str] | None,
    personal: bool = False,
    notes: list[str] | None = None,
    n_used: int | None = None,
    dup_motif: Callable[[int], str] | None = None,
) -> ImportResult:
    """Drop rejected rows, reject duplicates (first kept), assemble the result."""
    bad = col.bad_mask()
    good = data[~bad.to_numpy()]
    if key:
        dup = good.duplicated(subset=key, keep="first")
        if dup.any():
            firsts = good[~dup].assign(_k=list(zip(*[good.loc[~dup, k] for k in key], strict=True)))
            first_line = dict(zip(firsts["_k"], firsts["ligne"], strict=True))
            dups = good[dup]
            keys = list(zip(*[dups[k] for k in key], strict=True))
            motif = pd.Series(
                [(dup_motif or _dup_text)(int(first_line[k])) for k in keys],
                index=dups.index,
                dtype="string",
            )
            col.rows.append(
                pd.DataFrame(
                    {
                        "ligne": dups["ligne"],
                        "colonne": "",
                        "valeur": "",
                        "motif": motif,
                    }
                )
            )
            good = good[~dup]
    rejects = col.rejects()
    n_read = len(table.frame) + len(table.rejects)
    n_rejected = rejects["ligne"].nunique()
    result = ImportResult(
        kind=kind,
        path=table.path,
        source=table.source,
        data=good.reset_index(drop=True),
        rejects=rejects,
        warnings=col.warnings,
        n_read=n_read,
        n_used=n_read - n_rejected if n_used is None else n_used,
        n_rejected=n_rejected,
        personal=personal,
        notes=notes or [],
    )
    return result


def _dup_text(first: int) -> str:
    return f"doublon de la ligne {first} (ligne identique ignorée)"


# ---------------------------------------------------------------------------------------------
# 2. Capacité
# ---------------------------------------------------------------------------------------------

CAPACITE_COLUMNS: dict[str, tuple[str, ...]] = {
    "siret": ("n siret", "numero siret", "siret_siae", "siret structure", "siret_structure"),
    "etp": (
        "etp conventionnes",
        "etp_conventionnes",
        "nb_etp",
        "etp_insertion",
        "equivalents temps plein",
        "etp_postes_insertion",
    ),
    "postes": (
        "postes conventionnes",
        "postes_conventionnes",
        "nb_postes",
        "nombre de postes",
        "postes_insertion",
    ),
    "salaries": (
        "nb_salaries",
        "nombre de salaries",
        "salaries_annee",
        "salaries en insertion",
        "nb_salaries_insertion",
        "effectif",
        "salaries_en_parcours",
    ),
    "annee": ("annee", "millesime", "exercice"),
    "nom": ("raison sociale", "raison_sociale", "denomination", "nom_structure", "structure"),
    "type": ("type_siae", "mesure", "dispositif", "type de structure"),
}
CAPACITE_REQUIRED = (("siret",), ("etp", "postes", "salaries"))
M_NO_CAPACITY = "aucune valeur de capacité (etp, postes ou salaries)"
_FLUX_MARK = "af_etp_postes_insertion"


def _peek(path: Path) -> str:
    import gzip

    try:
        raw = path.read_bytes()[:200_000]
        if raw[:2] == b"\x1f\x8b":
            with gzip.open(path) as fh:
                raw = fh.read(20_000)
    except (OSError, EOFError):
        return ""
    return raw.decode("latin-1")


def read_capacite(path: Path | str, *, structures: Path | str | None = None) -> ImportResult:
    """Read a capacity file: conventioned ETP, postes, salariés per SIAE (SIRET).

    The ASP extranet export of financial annexes (``fluxIAE_AnnexeFinanciere_*.csv[.gz]``) is
    detected and aggregated (see :func:`read_flux_annexes`); ``structures`` is then the matching
    ``fluxIAE_Structure_*.csv`` (default: found beside the file).

    Returns
    -------
    ImportResult
        ``data`` columns: ``ligne, siret, etp, postes, salaries`` (Float64 / Int64), ``annee``
        (Int64, optional), ``nom``, ``type``.
    """
    path = Path(path)
    if _FLUX_MARK in _peek(path):
        return read_flux_annexes(path, structures=structures)
    table = read_table(
        path, synonyms=CAPACITE_COLUMNS, required=CAPACITE_REQUIRED, label="capacité"
    )
    f = table.frame
    col = _Collector(table)
    siret, m = parse_siret(_col(f, "siret"), required=True)
    col.add("siret", m)
    values = {}
    for c, integer in (("etp", False), ("postes", False), ("salaries", True)):
        values[c], m = parse_number(_col(f, c), integer=integer)
        col.add(c, m)
    none = pd.concat([_col(f, c) == "" for c in values], axis=1).all(axis=1)
    col.add(
        "etp" if "etp" in f else "postes" if "postes" in f else "salaries",
        _motif(none, M_NO_CAPACITY),
        show_value=False,
    )
    annee, m = parse_number(_col(f, "annee"), integer=True)
    col.add(
        "annee",
        _first(
            m,
            _motif(
                annee.notna() & ((annee < 2000) | (annee > 2100)),
                "année invalide (4 chiffres attendus)",
            ),
        ),
    )
    data = pd.DataFrame(
        {
            "ligne": f["ligne"],
            "siret": siret,
            "etp": values["etp"],
            "postes": values["postes"],
            "salaries": values["salaries"].astype("Int64"),
            "annee": annee.astype("Int64"),
            "nom": _col(f, "nom").replace("", pd.NA),
            "type": _col(f, "type").str.upper().replace("", pd.NA),
        }
    )
    for c in ("etp", "postes"):
        big = data[c] > 1000
        for line in data.loc[big.fillna(False).astype(bool), "ligne"]:
            col.warnings.append(
                f"ligne {line}, colonne {c} : valeur supérieure à 1 000, à vérifier."
            )
    return _finish(
        "capacité",
        table,
        col,
        data,
        key=["siret", "annee"],
        dup_motif=lambda n: f"SIRET déjà présent ligne {n} (même année) : ligne ignorée",
    )


FLUX_COLUMNS: dict[str, tuple[str, ...]] = {
    c: ()
    for c in (
        "af_id_structure",
        "af_mesure_dispositif_code",
        "af_numero_annexe_financiere",
        "af_numero_avenant_modification",
        "af_id_annexe_financiere",
        "af_id_avenant_modification",
        "af_etat_annexe_financiere_code",
        "af_date_debut_effet",
        "af_date_fin_effet",
        "af_etp_postes_insertion",
    )
}
STRUCT_COLUMNS: dict[str, tuple[str, ...]] = {
    "structure_id_siae": (),
    "structure_siret_actualise": (),
    "structure_siret_signature": (),
    "structure_denomination": (),
    "structure_adresse_admin_code_insee": (),
}
VALID_STATES = ("VALIDE", "CLOTURE")


def read_flux_annexes(path: Path | str, *, structures: Path | str | None = None) -> ImportResult:
    """Aggregate an ASP extranet export of financial annexes to conventioned ETP per SIAE.

    Rules: IAE measures only (ACI, AI, EI, ETTI, EITI; the FDI has no postes); annexes in state
    VALIDE or CLOTURE (HISTORISE, PROVISOIRE, SAISI... are superseded or not yet valid); for an
    annex and year, the latest amendment; per SIAE, the latest year with a valid annex, summing
    its measures. Every other row is listed in the rejects with its reason.
    """
    path = Path(path)
    table = read_table(
        path,
        synonyms=FLUX_COLUMNS,
        required=[(c,) for c in FLUX_COLUMNS],
        label="export ASP des annexes financières",
    )
    if structures is None:
        found = sorted(path.parent.glob("fluxIAE_Structure*.csv*"))
        if not found:
            raise DataError(
                f"{path.name} : export ASP des annexes financières reconnu, mais le fichier des "
                f"structures (fluxIAE_Structure_*.csv) est introuvable dans {path.parent} : il "
                "donne le SIRET de chaque structure. Placez-le à côté ou indiquez-le."
            )
        structures = found[-1]
    st = read_table(
        structures,
        synonyms=STRUCT_COLUMNS,
        required=[("structure_id_siae",), ("structure_siret_actualise",)],
        label="export ASP des structures",
    ).frame
    st = st[st["structure_id_siae"] != ""]
    siret_of = dict(
        zip(
            st["structure_id_siae"],
            st["structure_siret_actualise"].where(
                st["structure_siret_actualise"] != "", st.get("structure_siret_signature", "")
            ),
            strict=True,
        )
    )
    name_of = dict(zip(st["structure_id_siae"], _col(st, "structure_denomination"), strict=True))
    insee_of = dict(
        zip(st["structure_id_siae"], _col(st, "structure_adresse_admin_code_insee"), strict=True)
    )
    f = table.frame
    col = _Collector(table)
    mesure = f["af_mesure_dispositif_code"].str.replace(r"_DC$", "", regex=True)
    iae = mesure.isin(["ACI", "AI", "EI", "ETTI", "EITI"])
    col.add(
        "af_mesure_dispositif_code",
        _motif(
            ~iae, "mesure hors IAE conventionnée en postes (FDI ou autre) : pas d'ETP d'insertion"
        ),
    )
    state = f["af_etat_annexe_financiere_code"]
    col.add(
        "af_etat_annexe_financiere_code",
        _motif(
            iae & ~state.isin(VALID_STATES),
            "annexe non retenue : état " + state + " (seuls VALIDE et CLOTURE comptent)",
        ),
    )
    debut, m = parse_dates(f["af_date_debut_effet"], required=True)
    col.add("af_date_debut_effet", m.where(iae & state.isin(VALID_STATES)))
    etp, m = parse_number(f["af_etp_postes_insertion"])
    m = m.fillna(_motif(f["af_etp_postes_insertion"] == "", M_MISSING))
    col.add("af_etp_postes_insertion", m.where(iae & state.isin(VALID_STATES)))
    siret = f["af_id_structure"].map(siret_of).astype("string")
    col.add(
        "af_id_structure",
        _motif(
            siret.isna() & iae & state.isin(VALID_STATES),
            "structure absente du fichier des structures (SIRET inconnu)",
        ),
    )
    avenant = pd.to_numeric(f["af_numero_avenant_modification"], errors="coerce").fillna(0)
    work = pd.DataFrame(
        {
            "ligne": f["ligne"],
            "siret": siret,
            "id": f["af_id_structure"],
            "mesure": mesure,
            "annexe": f["af_numero_annexe_financiere"],
            "avenant": avenant,
            "annee": debut.dt.year.astype("Int64"),
            "etp": etp,
        }
    )
    ok = work[~col.bad_mask().to_numpy()]
    # Identical rows (same annex, amendment, year, ETP): keep the first.
    dup = ok.duplicated(["annexe", "avenant", "annee", "etp", "siret"], keep="first")
    firsts = ok[~dup].groupby(["annexe", "avenant", "annee"])["ligne"].first()
    col.rows.append(
        pd.DataFrame(
            {
                "ligne": ok.loc[dup, "ligne"],
                "colonne": "",
                "valeur": "",
                "motif": [
                    f"doublon de la ligne {firsts[(a, v, y)]} (ligne identique ignorée)"
                    for a, v, y in ok.loc[dup, ["annexe", "avenant", "annee"]].itertuples(
                        index=False
                    )
                ],
            }
        )
    )
    ok = ok[~dup]
    latest_av = ok.groupby(["annexe", "annee"])["avenant"].transform("max")
    old = ok["avenant"] < latest_av
    col.rows.append(
        pd.DataFrame(
            {
                "ligne": ok.loc[old, "ligne"],
                "colonne": "af_numero_avenant_modification",
                "valeur": ok.loc[old, "avenant"].astype(int).astype(str),
                "motif": "avenant remplacé par un avenant plus récent de la même annexe",
            }
        )
    )
    ok = ok[~old]
    latest_year = ok.groupby("siret")["annee"].transform("max")
    older = ok["annee"] < latest_year
    col.rows.append(
        pd.DataFrame(
            {
                "ligne": ok.loc[older, "ligne"],
                "colonne": "af_date_debut_effet",
                "valeur": ok.loc[older, "annee"].astype(str),
                "motif": "année "
                + ok.loc[older, "annee"].astype(str)
                + " antérieure à la dernière année conventionnée de la structure ("
                + latest_year[older].astype(str)
                + ")",
            }
        )
    )
    ok = ok[~older]
    agg = ok.groupby("siret", as_index=False).agg(
        annee=("annee", "first"),
        etp=("etp", "sum"),
        id=("id", "first"),
        type=("mesure", lambda s: ", ".join(sorted(set(s)))),
        ligne=("ligne", "min"),
        n_annexes=("ligne", "size"),
    )
    agg["postes"] = pd.array([pd.NA] * len(agg), dtype="Float64")
    agg["salaries"] = pd.array([pd.NA] * len(agg), dtype="Int64")
    agg["nom"] = agg["id"].map(name_of).astype("string")
    agg["code_commune"] = agg["id"].map(insee_of).astype("string")
    agg["etp"] = agg["etp"].astype("Float64").round(2)
    data = agg[
        [
            "ligne",
            "siret",
            "etp",
            "postes",
            "salaries",
            "annee",
            "nom",
            "type",
            "code_commune",
            "n_annexes",
        ]
    ]
    notes = [
        "Export ASP reconnu : ETP conventionnés (af_etp_postes_insertion) des annexes VALIDE "
        "ou CLOTURE, dernier avenant de chaque annexe, dernière année conventionnée de chaque "
        f"structure, mesures additionnées ; {len(data)} structures."
    ]
    n_read = len(f) + len(table.rejects)
    rej = col.rejects()
    col_res = ImportResult(
        kind="capacité (export ASP des annexes financières)",
        path=table.path,
        source=table.source,
        data=data.reset_index(drop=True),
        rejects=rej,
        warnings=col.warnings,
        n_read=n_read,
        n_used=n_read - rej["ligne"].nunique(),
        n_rejected=rej["ligne"].nunique(),
        notes=notes,
    )
    assert col_res.n_used == int(data["n_annexes"].sum())
    return col_res


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
    return re.sub(r"[^A-Z0-9]+", " ", geocode._ascii(name).upper()).strip()


def reseau_aliases() -> dict[str, str]:
    """Normalised spelling -> canonical network name (built-in list + the mirror's lists)."""
    aliases = {}
    for canonical, names in RESEAUX_CONNUS.items():
        aliases[reseau_key(canonical)] = canonical
        for n in names:
            aliases[reseau_key(n)] = canonical
    try:
        import json

        from coodiag.sync import raw_path

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
    col = _Collector(table)
    siret, m = parse_siret(_col(f, "siret"), required=True)
    col.add("siret", m)
    raw = _col(f, "reseau")
    col.add("reseau", _motif(raw == "", M_MISSING))
    aliases = reseau_aliases()
    rows = []
    for line, s, cell, nom in zip(f["ligne"], siret, raw, _col(f, "nom"), strict=True):
        for token in re.split(r"[;,|]", cell):
            t = token.strip()
            if not t:
                continue
            canonical = aliases.get(reseau_key(t))
            rows.append((line, s, canonical or t, canonical is not None, nom or pd.NA))
            if canonical is None:
                col.warnings.append(
                    f"ligne {line}, colonne reseau : réseau « {t} » inconnu, conservé tel quel."
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
    # Pass the membership table through _finish with the row frame for counting.
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


# ---------------------------------------------------------------------------------------------
# 4. SIRENE
# ---------------------------------------------------------------------------------------------

SIRENE_COLUMNS: dict[str, tuple[str, ...]] = {
    "siret": (),
    "siren": ("identifiant de l'entreprise",),
    "nic": ("numero interne de classement de l'etablissement",),
    "code_commune": ("codeCommuneEtablissement", "code commune", "code_insee", "depcom"),
    "departement": ("departement de localisation de l'etablissement",),
    "commune3": ("commune de localisation de l'etablissement",),
    "naf": (
        "activitePrincipaleEtablissement",
        "activite principale de l'etablissement",
        "apet700",
        "ape",
    ),
    "tranche": (
        "trancheEffectifsEtablissement",
        "tranche d'effectif salarie de l'etablissement",
        "tefet",
    ),
    "etat": ("etatAdministratifEtablissement",),
    "nom": ("denominationUsuelleEtablissement",),
    "enseigne": ("enseigne1Etablissement", "enseigne ou nom de l'exploitation", "enseigne"),
    "denomination": ("denominationUniteLegale", "raison sociale", "nomen_long"),
    "x": ("coordonneeLambertAbscisseEtablissement",),
    "y": ("coordonneeLambertOrdonneeEtablissement",),
    "latitude": ("lat",),
    "longitude": ("lon", "lng"),
}
SIRENE_REQUIRED = (("siret", "siren"), ("code_commune", "commune3"))
TRANCHES = {
    "NN": "non employeur ou effectif inconnu",
    "00": "0 salarié",
    "01": "1 ou 2 salariés",
    "02": "3 à 5 salariés",
    "03": "6 à 9 salariés",
    "11": "10 à 19 salariés",
    "12": "20 à 49 salariés",
    "21": "50 à 99 salariés",
    "22": "100 à 199 salariés",
    "31": "200 à 249 salariés",
    "32": "250 à 499 salariés",
    "41": "500 à 999 salariés",
    "42": "1 000 à 1 999 salariés",
    "51": "2 000 à 4 999 salariés",
    "52": "5 000 à 9 999 salariés",
    "53": "10 000 salariés et plus",
}
GEOLOC_COLUMNS: dict[str, tuple[str, ...]] = {"siret": (), "x": (), "y": (), "epsg": ()}


def _naf(values: pd.Series) -> pd.Series:
    s = values.str.upper().str.replace(r"[\s.]", "", regex=True)
    ok = s.str.fullmatch(r"\d{4}[A-Z]").fillna(False).astype(bool)
    return (s.str[:2] + "." + s.str[2:]).where(ok).astype("string")


def _project(lon: pd.Series, lat: pd.Series, dep: pd.Series) -> tuple[pd.Series, ...]:
    from pyproj import Transformer

    x = pd.Series(pd.NA, index=lon.index, dtype="Float64")
    y = x.copy()
    epsg = pd.Series(pd.NA, index=lon.index, dtype="Int64")
    crs = dep.map(lambda d: settings.CRS_DROM.get(d, settings.CRS_METRO), na_action="ignore")
    for code in crs.dropna().unique():
        m = (crs == code) & lon.notna() & lat.notna()
        if not m.any():
            continue
        tr = Transformer.from_crs(settings.CRS_WEB, int(code), always_xy=True)
        xx, yy = tr.transform(lon[m].astype(float).to_numpy(), lat[m].astype(float).to_numpy())
        x[m], y[m], epsg[m] = xx.round(1), yy.round(1), int(code)
    return x, y, epsg


def read_sirene(path: Path | str, geoloc: Path | str | None = None) -> ImportResult:
    """Read SIRENE establishments (INSEE StockEtablissement layout, or the pre-2019 layout).

    ``geoloc``: the optional INSEE geolocation file (``siret, x, y, epsg``). Without it,
    Lambert coordinates of the stock file, else latitude/longitude, are used when present.

    Returns
    -------
    ImportResult
        ``data`` columns: ``ligne, siret, siren, code_commune`` (COG 2025), ``code_commune_source``,
        ``naf`` ("56.30Z"), ``tranche_effectif`` (code), ``tranche_libelle``, ``nom``, ``x, y``
        (metres; Lambert-93 in metropolitan France, the local official CRS overseas), ``epsg``.
        Closed establishments (état F) are listed in the rejects.
    """
    table = read_table(path, synonyms=SIRENE_COLUMNS, required=SIRENE_REQUIRED, label="SIRENE")
    f = table.frame
    col = _Collector(table)
    siret_raw = _col(f, "siret")
    if "siret" not in f:
        siret_raw = _col(f, "siren").str.zfill(9) + _col(f, "nic").str.zfill(5)
        f = f.assign(siret=siret_raw)
        col.frame = f
    s = siret_raw.str.replace(r"\s", "", regex=True)
    digits = s.str.fullmatch(r"\d{14}").fillna(False).astype(bool)
    col.add(
        "siret",
        _first(
            _motif(siret_raw == "", M_MISSING), _motif(siret_raw.ne("") & ~digits, M_SIRET_DIGITS)
        ),
    )
    luhn_bad = sum(1 for v, d in zip(s, digits, strict=True) if d and not siret_is_valid(v))
    if luhn_bad:
        col.warnings.append(
            f"{luhn_bad} SIRET dont la clé de contrôle est inhabituelle, conservé(s) (le "
            "répertoire SIRENE fait foi)."
        )
    code = _col(f, "code_commune")
    if "code_commune" not in f:
        dep = _col(f, "departement")
        code = (dep.str.zfill(2) + _col(f, "commune3").str.zfill(3)).where(dep != "", "")
    code = code.str.upper()
    lineage = cog.current_code(code.replace("", pd.NA))
    col.add(
        "code_commune" if "code_commune" in f else "commune3",
        _first(
            _motif(code == "", M_MISSING),
            _motif(lineage["status"].isin(["inconnu", "scission"]), lineage["detail"]),
        ),
    )
    moved = lineage["status"] == "fusionné"
    if moved.any():
        pairs = lineage.loc[moved, ["code", "code_2025"]].value_counts().sort_index()
        col.warnings.append(
            f"{int(moved.sum())} établissement(s) avec un code commune obsolète, remplacé par sa "
            "commune 2025 : "
            + ", ".join(f"{a} → {b} ({n})" for (a, b), n in pairs.head(10).items())
            + ("…" if len(pairs) > 10 else "")
        )
    etat = _col(f, "etat").str.upper()
    col.add("etat", _motif(etat == "F", "établissement fermé (état administratif F)"))
    naf_raw = _col(f, "naf")
    naf = _naf(naf_raw)
    bad_naf = (naf_raw != "") & naf.isna()
    if bad_naf.any():
        col.warnings.append(f"{int(bad_naf.sum())} codes NAF mal formés laissés vides.")
    tranche = _col(f, "tranche").str.upper().str.zfill(2)
    tranche = tranche.where(tranche.isin(list(TRANCHES)) | (tranche == "00"))
    tranche = tranche.where(_col(f, "tranche") != "").astype("string")
    nom = _col(f, "nom")
    for alt in ("enseigne", "denomination"):
        nom = nom.where(nom != "", _col(f, alt))
    dep_code = (
        lineage["code_2025"]
        .str[:2]
        .where(~lineage["code_2025"].str.startswith("97"), lineage["code_2025"].str[:3])
    )
    x, _ = parse_number(_col(f, "x"))
    y, _ = parse_number(_col(f, "y"))
    epsg = pd.Series(pd.NA, index=f.index, dtype="Int64")
    has_xy = x.notna() & y.notna()
    epsg[has_xy] = (
        dep_code[has_xy]
        .map(lambda d: settings.CRS_DROM.get(d, settings.CRS_METRO), na_action="ignore")
        .astype("Int64")
    )
    if geoloc is not None:
        g = read_table(
            geoloc,
            synonyms=GEOLOC_COLUMNS,
            required=[("siret",), ("x",), ("y",)],
            label="géolocalisation SIRENE",
        ).frame
        gx, _ = parse_number(_col(g, "x"))
        gy, _ = parse_number(_col(g, "y"))
        gepsg = pd.to_numeric(_col(g, "epsg").str.extract(r"(\d+)$")[0], errors="coerce")
        gtab = pd.DataFrame({"x": gx, "y": gy, "epsg": gepsg.astype("Int64")})
        gtab.index = g["siret"].str.replace(r"\s", "", regex=True)
        gtab = gtab[~gtab.index.duplicated()]
        hit = s.map(gtab["x"]).astype("Float64")
        use = hit.notna()
        x[use] = hit[use]
        y[use] = s[use].map(gtab["y"]).astype("Float64")
        epsg[use] = s[use].map(gtab["epsg"]).fillna(settings.CRS_METRO).astype("Int64")
        has_xy = x.notna() & y.notna()
    lat = pd.to_numeric(_col(f, "latitude").str.replace(",", "."), errors="coerce")
    lon = pd.to_numeric(_col(f, "longitude").str.replace(",", "."), errors="coerce")
    need = ~has_xy & lat.notna() & lon.notna()
    if need.any():
        px, py, pe = _project(lon[need], lat[need], dep_code[need])
        x[need], y[need], epsg[need] = px, py, pe
    data = pd.DataFrame(
        {
            "ligne": f["ligne"],
            "siret": s.where(digits).astype("string"),
            "siren": s.str[:9].where(digits).astype("string"),
            "code_commune": lineage["code_2025"],
            "code_commune_source": lineage["code"],
            "naf": naf,
            "tranche_effectif": tranche,
            "tranche_libelle": tranche.map(TRANCHES).astype("string"),
            "nom": nom.replace("", pd.NA),
            "x": x,
            "y": y,
            "epsg": epsg,
        }
    )
    result = _finish(
        "SIRENE",
        table,
        col,
        data,
        key=["siret"],
        dup_motif=lambda n: f"SIRET en double (déjà présent ligne {n}) : ligne ignorée",
    )
    n_xy = int(result.data["x"].notna().sum())
    result.notes.append(
        f"Coordonnées disponibles pour {n_xy} établissement(s) sur {len(result.data)}."
    )
    return result
