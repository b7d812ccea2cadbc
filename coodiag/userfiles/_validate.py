"""Shared validation machinery of the user file formats (see docs/formats.md).

The formats themselves live in :mod:`~coodiag.userfiles.salaries`,
:mod:`~coodiag.userfiles.capacite`, :mod:`~coodiag.userfiles.reseaux` and
:mod:`~coodiag.userfiles.sirene`; this module holds :class:`ImportResult`, the reject collector
and the parsers they share (dates, numbers, SIRET, commune of residence).

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

from coodiag import settings
from coodiag._io import atomic_path
from coodiag.errors import DataError
from coodiag.reference import cog, geocode
from coodiag.userfiles.reader import FORMULA_PREFIXES, RawTable

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


class Collector:
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


def reason_where(mask: pd.Series, text: str | pd.Series) -> pd.Series:
    if isinstance(text, str):
        return pd.Series(text, index=mask.index, dtype="string").where(mask)
    return text.astype("string").where(mask)


def first_reason(*motifs: pd.Series) -> pd.Series:
    out = motifs[0]
    for m in motifs[1:]:
        out = out.fillna(m)
    return out


def text_column(frame: pd.DataFrame, name: str) -> pd.Series:
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
    motif = first_reason(
        reason_where(empty, M_MISSING) if required else _na(s.index),
        reason_where(~empty & ~matched, M_DATE_FORMAT),
        reason_where(matched & out.isna(), M_DATE_INVALID),
        reason_where(
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
    motif = first_reason(
        reason_where(empty, M_MISSING) if required else _na(s.index),
        reason_where(sci, M_SIRET_SCI),
        reason_where(~empty & ~digits, M_SIRET_DIGITS),
        reason_where(digits & ~luhn, M_SIRET_LUHN),
    )
    return s.where(digits & luhn), motif


M_NUMBER = "nombre invalide (chiffres attendus, virgule ou point décimal)"


def parse_number(values: pd.Series, *, integer: bool = False) -> tuple[pd.Series, pd.Series]:
    """Decimal comma or point, spaces as thousands separators; negative values rejected."""
    s = values.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    ok = s.str.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)").fillna(False).astype(bool)
    num = pd.to_numeric(s.where(ok), errors="coerce").astype("Float64")
    empty = values == ""
    motif = first_reason(
        reason_where(~empty & ~ok, M_NUMBER),
        reason_where(num.fillna(0) < 0, "nombre négatif"),
        reason_where(
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
    ref = geocode.load_reference()
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


def resolve_residence(frame: pd.DataFrame, col: Collector) -> pd.Series:
    """COG 2025 commune of each row from code_commune, or code_postal + commune.

    Computed once per distinct (code, postal code, name) triple, then spread over the rows.
    """
    code = text_column(frame, "code_commune").str.upper().str.replace(r"\.0$", "", regex=True)
    code = code.where(~code.str.fullmatch(r"\d{4}").fillna(False).astype(bool), "0" + code)
    triples = pd.DataFrame(
        {"c": code, "p": text_column(frame, "code_postal"), "n": text_column(frame, "commune")}
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


def finish(
    kind: str,
    table: RawTable,
    col: Collector,
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
