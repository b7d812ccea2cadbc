"""Reader of SIRENE establishments (current and pre-2019 layouts, optional geolocation)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coodiag import codes, settings
from coodiag.reference import cog
from coodiag.userfiles._validate import (
    M_MISSING,
    M_SIRET_DIGITS,
    Collector,
    finish,
    first_reason,
    parse_number,
    reason_where,
    text_column,
)
from coodiag.userfiles.reader import read_table
from coodiag.userfiles.reftables import use_base_reference
from coodiag.userfiles.result import ImportResult
from coodiag.userfiles.textfile import listed_lines

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


#: Metropolitan France (with Corsica) in degrees and in Lambert-93 metres, with a margin.
METRO_LAT, METRO_LON = (41.0, 51.6), (-5.8, 10.0)
LAMBERT93_X, LAMBERT93_Y = (60_000.0, 1_280_000.0), (6_020_000.0, 7_140_000.0)


def _lines(numbers) -> str:
    return listed_lines(numbers, limit=8)


def _checked_lat_lon(lat: pd.Series, lon: pd.Series, dep: pd.Series, lines: pd.Series,
                     warnings: list[str]) -> tuple[pd.Series, pd.Series]:
    """Latitude / longitude in range; swapped pairs of metropolitan establishments put back."""
    metro = ~dep.astype("string").fillna("").str.startswith("97")
    inside = lat.between(*METRO_LAT) & lon.between(*METRO_LON)
    swapped = metro & ~inside & lon.between(*METRO_LAT) & lat.between(*METRO_LON)
    if swapped.any():
        lat, lon = lat.where(~swapped, lon), lon.where(~swapped, lat)
        warnings.append(
            f"{int(swapped.sum())} établissement(s) aux latitude et longitude inversées, "
            f"remises dans l'ordre : lignes {_lines(lines[swapped])}."
        )
    known = lat.notna() & lon.notna()
    bad = known & (~lat.between(-90, 90) | ~lon.between(-180, 180)
                   | (metro & ~(lat.between(*METRO_LAT) & lon.between(*METRO_LON))))
    if bad.any():
        warnings.append(
            f"{int(bad.sum())} établissement(s) aux latitude / longitude hors de France ou hors "
            f"des bornes (−90 à 90, −180 à 180), coordonnées ignorées : lignes "
            f"{_lines(lines[bad])}."
        )
    return lat.where(~bad), lon.where(~bad)


def _checked_lambert(x: pd.Series, y: pd.Series, epsg: pd.Series, lines: pd.Series,
                     warnings: list[str]) -> tuple[pd.Series, pd.Series]:
    """Lambert-93 coordinates outside metropolitan France are dropped, with their lines."""
    l93 = epsg.fillna(0).astype("int64") == settings.CRS_METRO
    known = x.notna() & y.notna() & l93
    bad = known & ~(x.astype("Float64").between(*LAMBERT93_X)
                    & y.astype("Float64").between(*LAMBERT93_Y))
    bad = bad.fillna(False).astype(bool)
    if bad.any():
        warnings.append(
            f"{int(bad.sum())} établissement(s) aux coordonnées Lambert-93 hors de France "
            f"métropolitaine (x ou y inversés, ou autre projection ?), coordonnées ignorées : "
            f"lignes {_lines(lines[bad])}."
        )
    return x.where(~bad), y.where(~bad)


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
    use_base_reference()  # the COG lineage tables of the base, when it is built
    f = table.frame
    col = Collector(table)
    siret_raw = text_column(f, "siret")
    if "siret" not in f:
        siret_raw = codes.siret_of(text_column(f, "siren"), text_column(f, "nic"))
        f = f.assign(siret=siret_raw)
        col.frame = f
    s = siret_raw.str.replace(r"\s", "", regex=True)
    digits = s.str.fullmatch(codes.SIRET_PATTERN).fillna(False).astype(bool)
    col.add(
        "siret",
        first_reason(
            reason_where(siret_raw == "", M_MISSING),
            reason_where(siret_raw.ne("") & ~digits, M_SIRET_DIGITS),
        ),
    )
    luhn_bad = sum(1 for v, d in zip(s, digits, strict=True) if d and not codes.is_siret(v))
    if luhn_bad:
        col.warnings.append(
            f"{luhn_bad} SIRET dont la clé de contrôle est inhabituelle, conservé(s) (le "
            "répertoire SIRENE fait foi)."
        )
    code = text_column(f, "code_commune")
    if "code_commune" not in f:
        dep = text_column(f, "departement")
        code = codes.commune_of(dep, text_column(f, "commune3")).where(dep != "", "")
    code = code.str.upper()
    lineage = cog.current_code(code.replace("", pd.NA))
    col.add(
        "code_commune" if "code_commune" in f else "commune3",
        first_reason(
            reason_where(code == "", M_MISSING),
            reason_where(lineage["status"].isin(["inconnu", "scission"]), lineage["detail"]),
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
    etat = text_column(f, "etat").str.upper()
    col.add("etat", reason_where(etat == "F", "établissement fermé (état administratif F)"))
    naf_raw = text_column(f, "naf")
    naf = _naf(naf_raw)
    bad_naf = (naf_raw != "") & naf.isna()
    if bad_naf.any():
        col.warnings.append(f"{int(bad_naf.sum())} codes NAF mal formés laissés vides.")
    tranche = text_column(f, "tranche").str.upper().str.zfill(2)
    tranche = tranche.where(tranche.isin(list(TRANCHES)) | (tranche == "00"))
    tranche = tranche.where(text_column(f, "tranche") != "").astype("string")
    nom = text_column(f, "nom")
    for alt in ("enseigne", "denomination"):
        nom = nom.where(nom != "", text_column(f, alt))
    dep_code = codes.departement_of_commune(lineage["code_2025"])
    x, _ = parse_number(text_column(f, "x"))
    y, _ = parse_number(text_column(f, "y"))
    epsg = pd.Series(pd.NA, index=f.index, dtype="Int64")
    has_xy = x.notna() & y.notna()
    epsg[has_xy] = (
        dep_code[has_xy]
        .map(lambda d: settings.CRS_DROM.get(d, settings.CRS_METRO), na_action="ignore")
        .astype("Int64")
    )
    if geoloc is not None:
        graw = read_table(
            geoloc,
            synonyms=GEOLOC_COLUMNS,
            required=[("siret",), ("x",), ("y",)],
            label="géolocalisation SIRENE",
        )
        g = graw.frame
        gx, mx = parse_number(text_column(g, "x"))
        gy, my = parse_number(text_column(g, "y"))
        bad_geo = sorted(
            {int(r["ligne"]) for r in graw.rejects}
            | set(g.loc[mx.notna() | my.notna(), "ligne"].astype(int))
        )
        if bad_geo:
            col.warnings.append(
                f"Fichier de géolocalisation {Path(geoloc).name} : {len(bad_geo)} ligne(s) "
                f"inutilisables sur {len(g) + len(graw.rejects)} (coordonnées x / y illisibles "
                f"ou ligne mal formée), ignorées : lignes {_lines(bad_geo)}."
            )
        gepsg = pd.to_numeric(text_column(g, "epsg").str.extract(r"(\d+)$")[0], errors="coerce")
        gtab = pd.DataFrame({"x": gx, "y": gy, "epsg": gepsg.astype("Int64")})
        gtab.index = g["siret"].str.replace(r"\s", "", regex=True)
        gtab = gtab[~gtab.index.duplicated()]
        hit = s.map(gtab["x"]).astype("Float64")
        use = hit.notna()
        x[use] = hit[use]
        y[use] = s[use].map(gtab["y"]).astype("Float64")
        epsg[use] = s[use].map(gtab["epsg"]).fillna(settings.CRS_METRO).astype("Int64")
        has_xy = x.notna() & y.notna()
    lat = pd.to_numeric(text_column(f, "latitude").str.replace(",", "."), errors="coerce")
    lon = pd.to_numeric(text_column(f, "longitude").str.replace(",", "."), errors="coerce")
    lat, lon = _checked_lat_lon(lat, lon, dep_code, f["ligne"], col.warnings)
    x, y = _checked_lambert(x, y, epsg, f["ligne"], col.warnings)
    has_xy = x.notna() & y.notna()
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
    result = finish(
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
