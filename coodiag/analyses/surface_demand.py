"""Demand from a gridded population (Filosofi 200 m cells) for the 2SFCA surfaces.

The need stays the commune's (unemployed 15-64, :func:`coodiag.analyses.demand.demand`), but
it is placed where people live: each commune's demand is shared among the inhabited cells whose
centre lies in it, in proportion to their inhabitants,

.. math:: D_c = D_{k(c)} \\, \\frac{P_c}{\\sum_{c' \\in k(c)} P_{c'}}

(P_c: inhabitants of cell c, k(c): the commune holding its centre). A commune with demand but
no inhabited cell keeps its demand at its representative point, so that the total demand is
unchanged. A cell whose centre falls in no commune (coast) goes to the nearest commune within
:data:`NEAREST_M` metres, else is left out (counted).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from coodiag.analyses.points import commune_points, to_xy

#: Farthest a cell centre may lie from the commune it is given to, metres.
NEAREST_M = 1000.0


def grid_demand(
    cells: pd.DataFrame, communes: gpd.GeoDataFrame, demand_df: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Demand points (metres, CRS of ``communes``) and values from the grid ``cells``
    (``epsg, x, y, individus``: :func:`coodiag.userfiles.carroyage.read_grid_population`).

    ``communes``: the communes of one zone, metric CRS; ``demand_df``: ``code, demande``.
    Returns ``(xy, demand, stats)``; ``stats``: ``cellules`` used, ``cellules_hors_communes``
    left out, ``communes_sans_carreau`` kept at their point, ``demande_totale``.
    """
    epsg = int(cells["epsg"].iloc[0])
    tr = Transformer.from_crs(epsg, communes.crs, always_xy=True)
    x, y = tr.transform(cells["x"].to_numpy("float64"), cells["y"].to_numpy("float64"))
    pts = gpd.GeoDataFrame({"individus": cells["individus"].to_numpy("float64")},
                           geometry=gpd.points_from_xy(x, y), crs=communes.crs)
    polys = communes[["code", "geometry"]].reset_index(drop=True)
    hit = gpd.sjoin(pts, polys, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    code = hit["code"].reindex(pts.index)
    lost = code.isna()
    if lost.any():
        near = gpd.sjoin_nearest(pts[lost.to_numpy()], polys, how="left",
                                 max_distance=NEAREST_M)
        near = near[~near.index.duplicated(keep="first")]
        code.loc[near.index] = near["code"]
    keep = code.notna().to_numpy()
    dem = communes["code"].map(demand_df.set_index("code")["demande"]).fillna(0.0)
    dem.index = communes["code"].to_numpy()
    ind = pts["individus"].to_numpy()[keep]
    codes = code.to_numpy()[keep]
    total = pd.Series(ind).groupby(codes).sum()
    value = dem.reindex(codes).to_numpy("float64") * ind / total.reindex(codes).to_numpy()
    xy = np.column_stack([x, y])[keep]
    without = (dem > 0) & ~dem.index.isin(total.index)
    extra_xy = to_xy(commune_points(communes))[without.to_numpy()]
    xy = np.vstack([xy, extra_xy])
    value = np.concatenate([np.nan_to_num(value), dem.to_numpy("float64")[without.to_numpy()]])
    stats = {"cellules": int(keep.sum()), "cellules_hors_communes": int((~keep).sum()),
             "communes_sans_carreau": int(without.sum()), "demande_totale": float(value.sum())}
    return xy, value, stats
