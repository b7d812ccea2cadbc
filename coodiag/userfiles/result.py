"""The outcome of reading one user file: :class:`ImportResult` (see docs/formats.md).

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

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coodiag import settings
from coodiag._io import atomic_path
from coodiag.errors import DataError
from coodiag.userfiles.reader import FORMULA_PREFIXES

REJECT_COLUMNS = ["ligne", "colonne", "valeur", "motif"]
_MAX_LISTED = 20
#: The longest value echoed in a message (a 10,000-character cell is cut, its length said).
MAX_SHOWN = 80


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A value as echoed in a message: cut to ``limit`` characters, with its full length."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} caractères)"


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
                value = f" (valeur « {shown(r.valeur)} »)" if r.valeur else ""
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


#: French names of the user files, in messages.
LABELS = {"salaries": "des salariés en parcours", "capacite": "de capacité",
          "reseaux": "des réseaux", "sirene": "SIRENE"}
#: What a diagnosis does without a usable file of each kind.
WITHOUT = {"salaries": "l'impact sur le chômage et les communes de résidence des salariés ne "
           "sont pas calculés", "capacite": "les capacités sont estimées (moyennes DARES)",
           "sirene": "la liste des établissements à prospecter n'est pas établie"}


def unusable_notes(kind: str, value: object) -> list[str]:
    """A note for the first page of a diagnosis when a user file of ``kind`` (``salaries``,
    ``capacite``, ``sirene``) was given but none of its rows is usable (else nothing)."""
    if value is None or not hasattr(value, "n_used") or value.n_used > 0:
        return []
    rejects = getattr(value, "rejects", None)
    why = ""
    if rejects is not None and len(rejects):
        top = rejects["motif"].value_counts().head(2)
        why = " ; motifs : " + " ; ".join(f"{m} ({n})" for m, n in top.items())
    return [
        f"Fichier {LABELS[kind]} « {value.path.name} » : aucune ligne utilisable "
        f"({value.n_read} ligne(s) lue(s), {value.n_rejected} rejetée(s){why}) : "
        f"{WITHOUT[kind]}. Voir le rapport de rejets (« coodiag import »)."
    ]


def _defuse(value: str) -> str:
    return "'" + value if value and value[0] in (*FORMULA_PREFIXES, "\t", "\r") else value
