"""The rosters of a batch: one file of salariés en parcours per SIAE, named after its SIRET.

``coodiag lot --salaries-dossier DIR``: ``DIR`` holds ``<siret>.csv``, ``<siret>.xlsx`` or
``<siret>.ods`` (the format of docs/formats.md, « Salariés en parcours »). :func:`plan_rosters`
matches them with the SIRETs of the batch before any worker starts:

- a SIAE with its file is diagnosed with it (impact on unemployment, residence communes);
- a SIAE without a file is diagnosed without roster (its zone d'emploi alone), as the index
  says;
- a file whose name is no SIRET of the batch (or with another extension) is listed, with its
  reason, in the summary of the run and in the index; hidden files are skipped;
- two files for one SIRET (``x.csv`` and ``x.xlsx``): that SIAE fails, with the reason.

Each file's sha256 enters the fingerprint of its SIAE (:func:`coodiag.reports.batch.fingerprint`):
a re-run recomputes a SIAE whose roster changed, and only it. The roster itself is read in
the worker (:func:`coodiag.outputs.batch.run_one`): personal data never travels pickled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coodiag import codes
from coodiag.errors import DataError, os_reason

#: The extensions of a roster file in the folder of a batch.
SUFFIXES = (".csv", ".xlsx", ".ods")
EXPECTED = "<siret>.csv, <siret>.xlsx ou <siret>.ods"
#: Reasons of a file of the folder that no SIAE uses.
NOT_SIRET = f"le nom du fichier n'est pas un SIRET (attendu : {EXPECTED})"
NOT_IN_BATCH = "SIRET absent du lot"
BAD_SUFFIX = f"extension non prise en charge (attendu : {EXPECTED})"


@dataclass(frozen=True)
class Roster:
    """The roster file of one SIAE and the sha256 of its bytes."""

    path: str
    sha256: str

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass
class RosterPlan:
    """The files of a roster folder matched with the SIRETs of a batch."""

    folder: Path
    by_siret: dict[str, Roster] = field(default_factory=dict)
    #: files no SIAE uses: (file name, French reason)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    #: SIRET -> French reason of its failure (two files for it)
    refused: dict[str, str] = field(default_factory=dict)

    def roster(self, siret: str) -> Roster | None:
        return self.by_siret.get(siret)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes (read by blocks), French error if unreadable."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise DataError(f"{path} : fichier des salariés illisible ({os_reason(exc)}).") from None
    return digest.hexdigest()


def _siret_of(stem: str) -> str | None:
    digits = codes.parse_siret(stem)
    return digits if len(digits) == 14 and len(stem.strip().replace(" ", "")) == 14 else None


def plan_rosters(folder: Path | str, sirets: Sequence[str]) -> RosterPlan:
    """Match the files of ``folder`` with ``sirets`` (see the module docstring)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        what = "n'est pas un dossier" if folder.exists() else "introuvable"
        raise DataError(f"Dossier des salariés {what} : {folder} (--salaries-dossier : un "
                        f"dossier de fichiers nommés {EXPECTED}).")
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        raise DataError(f"{folder} : dossier des salariés illisible ({os_reason(exc)}).") from None
    wanted = set(sirets)
    plan = RosterPlan(folder=folder.resolve())
    found: dict[str, list[Path]] = {}
    for path in entries:
        if not path.is_file():
            continue
        siret = _siret_of(path.stem)
        if path.suffix.lower() not in SUFFIXES:
            plan.unmatched.append((path.name, BAD_SUFFIX))
        elif siret is None:
            plan.unmatched.append((path.name, NOT_SIRET))
        elif siret not in wanted:
            plan.unmatched.append((path.name, NOT_IN_BATCH))
        else:
            found.setdefault(siret, []).append(path)
    for siret, paths in found.items():
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            plan.refused[siret] = (f"plusieurs fichiers des salariés pour ce SIRET ({names}) : "
                                   "gardez-en un seul dans le dossier.")
        else:
            plan.by_siret[siret] = Roster(str(paths[0].resolve()), file_sha256(paths[0]))
    return plan
