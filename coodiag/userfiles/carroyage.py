"""Gridded population (INSEE Filosofi « carroyé », 200 m cells) brought by the user.

Columns (docs/formats.md, « Population carroyée »), matched after :func:`header_key`:

- ``idcar_200m`` (required): the cell's INSPIRE identifier, ``CRS3035RES200mN2029800E4252400``
  — its CRS (EPSG code: 3035 for metropolitan France, the DROM's own for the DROM), its size in
  metres and the northing / easting of its lower-left corner. Also accepted: ``IdINSPIRE``
  (Filosofi 2015), ``idcar``, ``id_carreau``;
- ``ind`` (required): number of inhabitants of the cell (decimal: INSEE's values are
  imputed). Also accepted: ``individus``, ``population``;
- ``lcog_geo`` (optional, not used: a cell is assigned to the commune holding its centre).

Other Filosofi columns (``men``, ``ind_18_24``...) are ignored. CSV (any encoding and
delimiter of :func:`coodiag.userfiles.reader.read_table`, gzip too) or XLSX; the GeoPackage
of INSEE is read without its geometry (the identifier gives the cell).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from coodiag.errors import DataError
from coodiag.userfiles.reader import header_key, iter_table

LABEL = "population carroyée (Filosofi)"
SYNONYMS = {
    "idcar_200m": ("idcar_200m", "idinspire", "idcar", "id_carreau", "idcar_1km"),
    "ind": ("ind", "individus", "population", "nb_individus"),
}
_ID = re.compile(r"^CRS(\d{4,5})RES(\d+)mN(-?\d+(?:\.\d+)?)E(-?\d+(?:\.\d+)?)$", re.IGNORECASE)
#: Invalid rows listed in an error message.
SHOWN = 5


def parse_cell_ids(ids: pd.Series) -> pd.DataFrame:
    """``epsg, taille_m, x, y`` (centre of the cell, metres in its CRS) of INSPIRE cell ids;
    NaN where an id does not parse."""
    parts = ids.astype("string").str.strip().str.extract(_ID)
    out = pd.DataFrame(index=ids.index)
    out["epsg"] = pd.to_numeric(parts[0], errors="coerce")
    size = pd.to_numeric(parts[1], errors="coerce")
    out["taille_m"] = size
    out["x"] = pd.to_numeric(parts[3], errors="coerce") + size / 2
    out["y"] = pd.to_numeric(parts[2], errors="coerce") + size / 2
    return out


def _frames(path: Path):
    if path.suffix.lower() == ".gpkg":
        import pyogrio

        df = pyogrio.read_dataframe(path, read_geometry=False)
        keys = {header_key(c): c for c in df.columns}
        cols = {}
        for canon, names in SYNONYMS.items():
            hit = next((keys[n] for n in names if n in keys), None)
            if hit is None:
                raise DataError(f"{path.name} : colonne obligatoire absente pour le format "
                                f"{LABEL} : {canon}. Colonnes trouvées : "
                                f"{', '.join(df.columns)} (voir docs/formats.md).")
            cols[canon] = df[hit].astype("string")
        frame = pd.DataFrame(cols)
        frame["ligne"] = np.arange(1, len(frame) + 1)
        yield frame
        return
    stream = iter_table(path, synonyms=SYNONYMS, required=[["idcar_200m"], ["ind"]],
                        label=LABEL)
    for chunk in stream:
        if chunk.rejects:
            r = chunk.rejects[0]
            raise DataError(f"{path.name}, ligne {r['ligne']} : {r['motif']}.")
        yield chunk.frame


def read_grid_population(path: Path | str) -> pd.DataFrame:
    """The cells of a Filosofi grid file: ``epsg, taille_m, x, y, individus`` (one row per
    cell with at least one inhabitant). Raises :class:`DataError` (French, naming the file,
    the lines and the column) on a missing column, an unreadable identifier or count, a
    negative count, or cells of different sizes or CRS."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Fichier de population carroyée introuvable : {path}.")
    parts = []
    for frame in _frames(path):
        cells = parse_cell_ids(frame["idcar_200m"])
        raw = frame["ind"].astype("string").str.strip().str.replace(",", ".", regex=False)
        ind = pd.to_numeric(raw.str.replace(r"\s", "", regex=True), errors="coerce")
        for mask, column, what in (
            (cells["x"].isna(), "idcar_200m", "identifiant de carreau illisible (attendu : "
             "CRS3035RES200mN2029800E4252400)"),
            (ind.isna() | (ind < 0), "ind", "nombre d'individus absent ou négatif"),
        ):
            if mask.any():
                bad = frame.loc[mask.to_numpy()]
                lines = ", ".join(f"{int(r.ligne)} (« {getattr(r, column)} »)"
                                  for r in bad.head(SHOWN).itertuples(index=False))
                more = f" et {len(bad) - SHOWN} autres" if len(bad) > SHOWN else ""
                raise DataError(f"{path.name}, colonne {column} : {what} aux lignes "
                                f"{lines}{more}.")
        cells["individus"] = ind.to_numpy("float64")
        parts.append(cells[cells["individus"] > 0])
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["epsg", "taille_m", "x", "y", "individus"])
    if out.empty:
        raise DataError(f"{path.name} : aucun carreau habité.")
    for col, what in (("epsg", "systèmes de coordonnées"), ("taille_m", "tailles de carreau")):
        if out[col].nunique() > 1:
            raise DataError(f"{path.name} : plusieurs {what} dans le même fichier "
                            f"({', '.join(str(int(v)) for v in sorted(out[col].unique()))}) : "
                            "un fichier par zone (métropole, chaque DROM).")
    out.attrs["source"] = f"{LABEL} : {path.name}"
    return out
