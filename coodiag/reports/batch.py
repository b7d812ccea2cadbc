"""A batch of diagnoses: what every SIAE shares, the options, the list of SIRETs.

A batch runs the diagnosis of many SIAE (every SIAE of a territory, the members of a réseau, a
list of SIRETs) with one shared context: the base, the SIAE registry with capacity, the
national need, 2SFCA accessibility and coverage classes, the typology of the zones d'emploi,
the official tables of the key figures. :class:`Shared` describes it (base folder, base key,
capacity file) and builds the :class:`~coodiag.reports.context.Context` once (:func:`warm`).

How the workers get it — measured on this 2-core machine (``bench/bench_batch.py``): building
the warm context takes 3.5 s alone, but 6 to 9.5 s in each of 2 workers at once (they compete
for the cores and the disk); building it once in the starting process and sending it pickled
(120 MB) to every worker (``client.scatter(..., broadcast=True)``) has both workers ready in 4
to 5.5 s. So the batch builds it once and scatters it (:meth:`Shared.warm`, ``carry=True``),
then drops its own copy (:meth:`Shared.release`). A :class:`Shared` sent without its context
(``carry=False``, the default pickle) still works: the first task of each process builds it
and keeps it (:data:`_CONTEXTS`, one per process: a new base key replaces the old one).

The per-SIAE task that also renders the atlas is :func:`coodiag.outputs.batch.run_one` (the
outputs layer: reports never render); any executor can run it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from coodiag import codes, secrecy, territory
from coodiag.base.store import Base, base_dir, read_manifest
from coodiag.errors import CoodiagError, DataError, os_reason
from coodiag.reference.cog import current_code
from coodiag.reports.context import Context
from coodiag.reports.diagnostic import Diagnostic, check_radius, structure_rows
from coodiag.reports.diagnostic import run as run_diagnostic

#: Version of the batch manifests: a change forces every SIAE to be computed again.
BATCH_VERSION = 1

#: The context of this process, by :attr:`Shared.key` (one at a time: bounded memory).
_CONTEXTS: dict[tuple, Context] = {}


@dataclass(frozen=True)
class BatchOptions:
    """The options of every diagnosis of a batch (the same for all SIAE).

    ``threshold`` is resolved here, in the process that starts the batch: a remote worker with
    another ``COODIAG_SECRET_THRESHOLD`` still applies the batch's threshold.
    """

    formats: tuple[str, ...] = ("pdf", "html")
    reference: str = "territoire"
    rayon_km: float = 20.0
    threshold: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold", secrecy.get_threshold(self.threshold))
        object.__setattr__(self, "rayon_km", check_radius(self.rayon_km))
        object.__setattr__(self, "formats", tuple(self.formats))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def frame_hash(frame: pd.DataFrame | None) -> str:
    """A sha256 of a table's content (empty text for None): a user file's data as used."""
    if frame is None:
        return ""
    digest = hashlib.sha256()
    digest.update(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


class Shared:
    """What every diagnosis of a batch shares: the base and the user's capacity file.

    Picklable and small: a worker receives it with each task (or once, scattered) and builds
    the context on first use (:meth:`context`), unless :meth:`warm` built it beforehand and
    ``carry`` sends it along.
    """

    def __init__(self, base_path: Path | str | None = None, *,
                 capacite: pd.DataFrame | None = None) -> None:
        self.base_path = Path(base_path) if base_path is not None else base_dir()
        self.base_key = str(read_manifest(self.base_path).get("key", ""))
        self.capacite = capacite
        self.capacite_hash = frame_hash(capacite)
        self.version = coodiag_version()  # the starting process's: one per batch
        self.carry = False
        self._context: Context | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """What the context depends on: base folder, base key, capacity file."""
        return (str(self.base_path), self.base_key, self.capacite_hash)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        if not self.carry:
            state["_context"] = None  # rebuilt in the worker (cheaper than sending it)
        return state

    def context(self) -> Context:
        """The context of this batch in this process, built (and warmed) on first use."""
        if self._context is not None:
            return self._context
        ctx = _CONTEXTS.get(self.key)
        if ctx is None:
            _CONTEXTS.clear()  # one context per process
            ctx = Context(Base.open(self.base_path), capacite=self.capacite)
            if str(ctx.base.manifest.get("key", "")) != self.base_key:
                raise DataError(
                    f"La base territoriale de {self.base_path} a changé depuis le début du lot "
                    "(« coodiag build » relancé ?) : relancez le lot."
                )
            warm(ctx)
            _CONTEXTS[self.key] = ctx
        return ctx

    def warm(self, carry: bool = True) -> Shared:
        """Build the context here; with ``carry`` it travels with the pickle (scatter)."""
        self._context = self.context()
        self.carry = carry
        return self

    def release(self) -> Shared:
        """Drop the context in this process (once sent to the workers)."""
        _CONTEXTS.pop(self.key, None)
        self._context = None
        self.carry = False
        return self


def warm(ctx: Context) -> Context:
    """Compute what every diagnosis reads, once: base tables, registry, accessibility,
    coverage, typology of the zones d'emploi, official tables of the key figures."""
    from coodiag.reports.key_figures import official_tables

    for name in ("communes", "metro", "indicators", "ze_indicators", "ze_france", "meta",
                 "registry", "accessibility"):
        getattr(ctx, name)
    with contextlib.suppress(ValueError, CoodiagError):  # reported by each diagnosis
        ctx.offer_typology  # noqa: B018 - a cached property, computed here once
    official_tables(ctx)
    for level in ("departements", "zones_emploi"):
        ctx.base.level(level, zone="metro")
    return ctx


def coodiag_version() -> str:
    """The installed version of coodiag (its distribution's metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("coodiag")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "source"


def fingerprint(siret: str, shared: Shared, options: BatchOptions, roster: str = "") -> str:
    """The sha256 of everything a diagnosis depends on: coodiag version, base key, capacity
    file, SIRET, options and the sha256 of its roster file (``roster``, empty without one). A
    SIAE whose manifest records the same fingerprint is current (a change of the code without
    a new version number is not seen: delete the folder)."""
    payload = {
        "lot": BATCH_VERSION, "coodiag": shared.version, "base": shared.base_key,
        "capacite": shared.capacite_hash, "siret": siret, "options": options.as_dict(),
    }
    if roster:  # absent without a roster: the fingerprints of batches without rosters stay
        payload["salaries"] = roster
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def diagnose_one(siret: str, shared: Shared, options: BatchOptions, *,
                 salaries: pd.DataFrame | None = None,
                 import_notes: Sequence[str] = ()) -> Diagnostic:
    """The diagnosis of one SIAE of a batch, on the shared context of this process, with the
    ``data`` of its roster import (``salaries``) when the batch has one for it."""
    return run_diagnostic(
        siret, context=shared.context(), rayon_km=options.rayon_km,
        threshold=options.threshold, reference=options.reference, salaries=salaries,
        import_notes=import_notes,
    )


# --------------------------------------------------------------------------------------------
# Which SIAE
# --------------------------------------------------------------------------------------------


def _ordered(rows: pd.DataFrame) -> list[str]:
    rows = rows.sort_values(["type_siae", "commune", "nom", "siret"], na_position="last")
    return list(dict.fromkeys(rows["siret"].astype(str)))


def sirets_in_territory(text: str, base: Base) -> tuple[list[str], str]:
    """The SIRETs of the SIAE placed in the territory ``text`` (``dep:50``...) and its label."""
    communes = base.communes
    terr = territory.check(territory.parse(text), communes, lineage=current_code)
    inside = set(communes.loc[terr.mask(communes), "code"])
    registry = base.siae
    rows = registry[registry["code_commune"].isin(inside)]
    return _ordered(rows), terr.label(communes)


def sirets_of_reseau(membership: pd.DataFrame, name: str, base: Base) -> list[str]:
    """The SIRETs of the members of the réseau ``name`` in a réseaux import (``siret``,
    ``reseau``), any known spelling accepted; French error naming the réseaux of the file."""
    from coodiag.userfiles.reseaux import reseau_aliases, reseau_key

    aliases = reseau_aliases()
    wanted = aliases.get(reseau_key(name), name).casefold()
    names = membership["reseau"].astype(str)
    chosen = membership.loc[names.str.casefold() == wanted, "siret"].astype(str)
    if chosen.empty:
        known = ", ".join(sorted(set(names))) or "aucun"
        raise DataError(f"Réseau « {name} » absent du fichier des réseaux (réseaux présents : "
                        f"{known}).")
    registry = base.siae
    placed = _ordered(registry[registry["siret"].isin(set(chosen))])
    return placed + [s for s in dict.fromkeys(chosen) if s not in set(placed)]


def sirets_from_file(path: Path | str) -> list[str]:
    """The SIRETs listed in a text or CSV file: one per line (first column; a header line
    without digits is skipped; spaces inside a SIRET are allowed), in order, without repeats.
    Invalid entries are kept: each one is reported as a failure of the batch."""
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text("latin-1")
    except OSError as exc:
        raise DataError(f"{path} : fichier des SIRET illisible ({os_reason(exc)}).") from None
    out: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        cell = line.replace(",", ";").replace("\t", ";").split(";")[0].strip().strip('"')
        if not cell or (number == 1 and not any(ch.isdigit() for ch in cell)):
            continue
        digits = codes.parse_siret(cell)
        out.append(digits if len(digits) == 14 else cell)
    if not out:
        raise DataError(f"{path} : aucun SIRET trouvé (un SIRET par ligne attendu).")
    return list(dict.fromkeys(out))


def check_siret(text: str) -> str:
    """The 14 digits of a SIRET, else a French error (the batch lists it as a failure)."""
    digits = codes.parse_siret(text)
    if len(digits) != 14 or len(str(text).strip().replace(" ", "")) != 14:
        raise DataError(f"« {text} » n'est pas un numéro SIRET (14 chiffres attendus).")
    return digits


def plan(sirets: Sequence[str]) -> list[str]:
    """The SIRETs of a batch, without repeats, in order."""
    return list(dict.fromkeys(str(s).strip() for s in sirets if str(s).strip()))


def precheck(sirets: Sequence[str], registry: pd.DataFrame) -> dict[str, str]:
    """The SIRETs that cannot be diagnosed, with their French reason, found without a worker:
    not a SIRET, absent from the registry, no known commune."""
    failed: dict[str, str] = {}
    for text in sirets:
        try:
            structure_rows(registry, check_siret(text))
        except CoodiagError as exc:
            failed[text] = str(exc)
    return failed
