"""Exports of an atlas: XLSX, CSV, GeoPackage (secrecy safety net, formula injection, atomicity)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from coodiag import secrecy
from coodiag._io import sha256_file
from coodiag.base.indicators import Indicator
from coodiag.outputs import exports
from coodiag.outputs.document import ExportTable
from coodiag.outputs.exports import (
    ExportError,
    ExportSecrecyError,
    write_all,
    write_csv,
    write_gpkg,
    write_xlsx,
)
from coodiag.outputs.exports import csv as csv_export

FORMULA = '=HYPERLINK("http://x")'
PHONE = "+33 6 12"
PRODUCED = dt.date(2025, 3, 14)


# ------------------------------------------------------------------------------------------
# A small realistic atlas: Manche communes, Manche SIAE, a hand-made table
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manche(base) -> dict:
    from coodiag.base import store

    communes = store.read_level("communes", zone="metro")
    communes = communes[communes["dep"] == "50"]
    indicators = store.read_table("indicateurs_communes")[["code", "tx_chom1564_21", "p21_pop"]]
    communes = communes.merge(indicators, on="code", how="left")
    siae = store.read_level("siae")
    siae = siae[siae["dep"] == "50"]
    return {"communes": communes, "siae": siae}


def _hand_made() -> pd.DataFrame:
    salaries = pd.Series([3, 12, 7, 0], index=["50025", "50041", "50502", "50129"], name="n")
    return pd.DataFrame(
        {
            "structure": [FORMULA, PHONE, "-moins", "@arobase"],
            "commune": ["Avranches", "Granville", "Saint-Lô", "Cherbourg-en-Cotentin"],
            "salaries": secrecy.mask_series(salaries).tolist(),
            "etp": [1.25, 10.5, -2.75, np.nan],
            "debut": pd.to_datetime(["2024-01-31", "2024-02-29", None, "2024-12-01"]),
            "mois": pd.period_range("2024-01", periods=4, freq="M"),
            "actif": [True, False, True, True],
            "romes": [["K1201", "K1204"], [], ["N1105"], None],
        }
    )


@pytest.fixture(scope="module")
def atlas(manche, tmp_path_factory) -> dict:
    from coodiag.base import store

    communes, siae = manche["communes"], manche["siae"]
    meta = exports.indicator_meta(
        store.read_table("indicateurs_meta"), ["tx_chom1564_21", "p21_pop"],
        table="indicateurs_communes",
    )
    tables = [
        ExportTable(
            "Communes",
            communes[["code", "nom", "tx_chom1564_21", "p21_pop", "geometry"]],
            title="Communes de la Manche : chômage",
            columns={
                "code": "Code commune",
                "nom": "Commune",
                "tx_chom1564_21": "Taux de chômage 15-64 ans (%)",
                "p21_pop": "Population 2021",
            },
            meta=meta,
        ),
        ExportTable(
            "SIAE",
            siae[["siret", "nom", "type_siae", "commune", "romes", "dans_liste_2021"]],
            title="SIAE de la Manche",
            columns={"siret": "SIRET", "nom": "Nom", "type_siae": "Type", "romes": "Métiers"},
        ),
        ExportTable(
            "Saisie libre",
            _hand_made(),
            title="Table saisie à la main",
            columns={"structure": "Structure", "salaries": "Salariés", "etp": "ETP"},
            person_counts=["salaries"],
            meta=[
                Indicator(
                    key="salaries",
                    label="Salariés en insertion",
                    unit="personnes",
                    numerator="salariés",
                    source="Fichier de la structure",
                    vintage="2024",
                    method="comptage",
                )
            ],
        ),
    ]
    layers = {
        "communes_impact": communes[["code", "nom", "tx_chom1564_21", "point", "geometry"]],
        "siae": siae[["siret", "nom", "type_siae", "romes", "dans_liste_2021", "geometry"]],
    }
    folder = tmp_path_factory.mktemp("atlas") / "diagnostic_37968077000029"
    written = write_all(
        folder,
        tables,
        layers,
        title="Diagnostic territorial – test",
        sources_note="Note de test sur les sources.",
        layer_titles={"communes_impact": "Communes – taux de chômage"},
        produced=PRODUCED,
    )
    return {"written": written, "folder": folder, "tables": tables, **manche}


# ------------------------------------------------------------------------------------------
# write_all
# ------------------------------------------------------------------------------------------


def test_write_all_paths(atlas) -> None:
    written, folder = atlas["written"], atlas["folder"]
    assert written["xlsx"] == folder / "diagnostic_37968077000029.xlsx"
    assert written["gpkg"] == folder / "diagnostic_37968077000029.gpkg"
    assert written["csv"] == {
        "Communes": folder / "csv" / "communes.csv",
        "SIAE": folder / "csv" / "siae.csv",
        "Saisie libre": folder / "csv" / "saisie_libre.csv",
    }
    for path in [written["xlsx"], written["gpkg"], *written["csv"].values()]:
        assert path.is_file()
    # no temporary file left beside the exports
    assert not [p for p in folder.rglob(".*")]


# ------------------------------------------------------------------------------------------
# XLSX
# ------------------------------------------------------------------------------------------


def test_xlsx_sheets_readme_and_sources(atlas) -> None:
    wb = openpyxl.load_workbook(atlas["written"]["xlsx"])
    assert wb.sheetnames == ["À lire", "Communes", "SIAE", "Saisie libre", "Sources"]

    readme = wb["À lire"]
    assert readme["A1"].value == "Diagnostic territorial – test"
    assert readme["B2"].value == dt.datetime(2025, 3, 14)
    rows = {r[0]: r[1:] for r in readme.iter_rows(min_row=5, values_only=True) if r[0]}
    assert rows["Communes"][:2] == ("Communes de la Manche : chômage", len(atlas["communes"]))
    assert rows["Communes"][2] == 4  # the geometry column is not exported
    assert rows["Sources"][1] == 4  # 3 indicators and the undocumented ETP column
    assert rows["Saisie libre"][2] == 9  # 8 columns and the secrecy flag of « Salariés »
    notes = " ".join(str(r[1]) for r in readme.iter_rows(values_only=True) if r[1])
    assert "« < 5 »" in notes and "secret secondaire" in notes
    assert "« secret statistique (moins de 5) »" in notes and "(secret) »" in notes

    sources = list(wb["Sources"].iter_rows(values_only=True))
    assert sources[0] == exports.SOURCES_HEADERS
    body = [r for r in sources[1:5]]
    assert [r[:2] for r in body] == [
        ("Communes", "Taux de chômage 15-64 ans (%)"),
        ("Communes", "Population 2021"),
        ("Saisie libre", "Salariés"),
        ("Saisie libre", "ETP"),
    ]
    chom = dict(zip(exports.SOURCES_HEADERS, body[0], strict=True))
    assert chom["Indicateur"] == "Taux de chômage des 15-64 ans (recensement)"
    assert chom["Unité"] == "%"
    assert chom["Numérateur"] == "chômeurs de 15 à 64 ans"
    assert chom["Dénominateur"] == "population active de 15 à 64 ans"
    assert chom["Millésime"] == "RP 2021"
    assert chom["Source"].startswith("INSEE")
    assert body[2][4:6] == ("salariés", "sans objet (effectif)")  # a count
    assert body[3][2] == "ETP" and body[3][6].startswith("coodiag, à partir de : Fichier")
    assert sources[-1] == ("Note", "Note de test sur les sources.", *[None] * 7)


def test_xlsx_values_are_typed(atlas) -> None:
    wb = openpyxl.load_workbook(atlas["written"]["xlsx"])
    ws = wb["Communes"]
    assert [c.value for c in ws[1]] == [
        "Code commune",
        "Commune",
        "Taux de chômage 15-64 ans (%)",
        "Population 2021",
    ]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:D{len(atlas['communes']) + 1}"
    assert ws.column_dimensions["C"].width >= len("Taux de chômage")
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert len(rows) == len(atlas["communes"])
    code, name, rate, pop = rows["50025"]
    assert (code.data_type, name.value) == ("s", "Avranches")
    expected = atlas["communes"].set_index("code").loc["50025"]
    assert rate.data_type == "n" and rate.value == pytest.approx(expected["tx_chom1564_21"])
    assert rate.value == pytest.approx(10.66, abs=0.01)
    assert rate.number_format == "#,##0.0"
    assert pop.data_type == "n" and pop.value == 10240 and pop.number_format == "#,##0"

    siae = wb["SIAE"]
    assert siae.max_row == len(atlas["siae"]) + 1
    header = [c.value for c in siae[1]]
    assert header[:3] == ["SIRET", "Nom", "Type"]
    listed = [r[header.index("dans_liste_2021")] for r in siae.iter_rows(2, values_only=True)]
    assert set(listed) <= {"oui", "non"}
    assert all(
        isinstance(r[0], str) and len(r[0]) == 14 for r in siae.iter_rows(2, values_only=True)
    )


def test_xlsx_hand_made_table(atlas) -> None:
    wb = openpyxl.load_workbook(atlas["written"]["xlsx"])
    ws = wb["Saisie libre"]
    header = [c.value for c in ws[1]]
    assert header == ["Structure", "commune", "Salariés", "Salariés (secret)", "ETP", "debut",
                      "mois", "actif", "romes"]
    rows = list(ws.iter_rows(min_row=2))
    structure, _, salaries, flag, etp, debut, mois, actif, romes = rows[0]
    # formula-looking texts are text cells with the quote prefix, never formulas
    assert structure.value == FORMULA and structure.data_type == "s" and structure.quotePrefix
    for row, text in zip(rows, [FORMULA, PHONE, "-moins", "@arobase"], strict=True):
        assert row[0].value == text and row[0].data_type == "s" and row[0].quotePrefix
    assert not rows[0][1].quotePrefix  # an ordinary text keeps its ordinary style
    # counts as numbers: a masked cell is empty, the column after it says why
    assert [r[2].value for r in rows] == [None, 12, None, 0]  # 7: secondary secret (total)
    assert [r[3].value for r in rows] == [
        "secret statistique (moins de 5)", None, "secret secondaire", None]
    assert {r[2].data_type for r in rows[1::2]} == {"n"}
    assert rows[1][2].number_format == "#,##0"
    assert salaries.value is None and flag.data_type == "s"
    assert etp.value == 1.25 and etp.number_format == "#,##0.00"
    assert rows[2][4].value == -2.75 and rows[2][4].data_type == "n"
    assert rows[3][4].value is None
    assert debut.value == dt.datetime(2024, 1, 31) and debut.number_format == "dd/mm/yyyy"
    assert rows[2][5].value is None
    assert mois.value == dt.datetime(2024, 1, 1) and mois.number_format == "mm/yyyy"
    assert actif.value == "oui" and rows[1][7].value == "non"
    assert romes.value == "K1201, K1204" and rows[1][8].value is None


def test_xlsx_holds_no_formula(atlas) -> None:
    with zipfile.ZipFile(atlas["written"]["xlsx"]) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(zf.read(n).decode("utf-8") for n in sheets)
    assert "<f>" not in xml and "<f " not in xml
    assert "=HYPERLINK(&quot;http://x&quot;)" in xml or '=HYPERLINK("http://x")' in xml
    wb = openpyxl.load_workbook(atlas["written"]["xlsx"])
    for ws in wb:
        assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


# ------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------


def test_csv_for_french_excel(atlas) -> None:
    path = atlas["written"]["csv"]["Communes"]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.splitlines()[0].decode("utf-8-sig") == (
        "Code commune;Commune;Taux de chômage 15-64 ans (%);Population 2021"
    )
    df = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code commune": str})
    assert len(df) == len(atlas["communes"])
    avranches = df.set_index("Code commune").loc["50025"]
    assert avranches["Commune"] == "Avranches"
    expected = atlas["communes"].set_index("code").loc["50025", "tx_chom1564_21"]
    assert avranches["Taux de chômage 15-64 ans (%)"] == pytest.approx(expected, rel=1e-12)
    assert avranches["Population 2021"] == 10240
    assert pd.api.types.is_float_dtype(df["Taux de chômage 15-64 ans (%)"])
    assert "," in raw.decode("utf-8-sig").splitlines()[1]


def test_csv_neutralises_formulas(atlas) -> None:
    path = atlas["written"]["csv"]["Saisie libre"]
    df = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False)
    assert df["Structure"].tolist() == [f"'{FORMULA}", f"'{PHONE}", "'-moins", "'@arobase"]
    assert df["Salariés"].tolist() == ["", "12", "", "0"]
    assert df["Salariés (secret)"].tolist() == [
        "secret statistique (moins de 5)", "", "secret secondaire", ""]
    etp = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")["ETP"]
    assert etp.tolist()[:3] == [1.25, 10.5, -2.75]  # negative numbers are not prefixed
    assert np.isnan(etp.iloc[3])
    assert df["debut"].tolist() == ["2024-01-31", "2024-02-29", "", "2024-12-01"]
    assert df["mois"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert df["actif"].tolist() == ["oui", "non", "oui", "oui"]
    assert df["romes"].tolist() == ["K1201, K1204", "", "N1105", ""]
    # the CSV scanner of the secrecy module finds no small count
    text = path.read_text("utf-8-sig")
    assert secrecy.find_small_counts(text, ["Salariés"], sep=";") == []


# ------------------------------------------------------------------------------------------
# GeoPackage
# ------------------------------------------------------------------------------------------


def test_gpkg_layers(atlas) -> None:
    path = atlas["written"]["gpkg"]
    layers = pyogrio.list_layers(path)
    assert [tuple(r) for r in layers] == [("communes_impact", "MultiPolygon"), ("siae", "Point"),
                                          ("layer_styles", None)]
    # a QGIS style per layer (no map drew these: a single symbol)
    import sqlite3
    import xml.etree.ElementTree as ET

    with sqlite3.connect(path) as con:
        styles = con.execute("SELECT f_table_name, f_geometry_column, styleName, useAsDefault, "
                             "styleQML, update_time FROM layer_styles").fetchall()
    con.close()
    assert [r[:4] for r in styles] == [("communes_impact", "geom", "coodiag", 1),
                                       ("siae", "geom", "coodiag", 1)]
    for row in styles:
        renderer = ET.fromstring(row[4].split(">", 1)[1]).find("renderer-v2")
        assert renderer.get("type") == "singleSymbol"
        assert row[5] == "2025-03-14T00:00:00.000Z"  # the atlas date: same atlas, same file
    for name in ("communes_impact", "siae"):
        info = pyogrio.read_info(path, layer=name)
        assert info["crs"] == "EPSG:2154"
    info = pyogrio.read_info(path, layer="communes_impact")
    assert info["layer_metadata"] == {"IDENTIFIER": "Communes – taux de chômage"}
    assert list(info["fields"]) == ["code", "nom", "tx_chom1564_21"]  # `point` dropped
    assert info["features"] == len(atlas["communes"])

    communes = pyogrio.read_dataframe(path, layer="communes_impact")
    assert communes.crs.to_epsg() == 2154
    avranches = communes.set_index("code").loc["50025"]
    assert avranches["nom"] == "Avranches"
    assert avranches["tx_chom1564_21"] == pytest.approx(10.66, abs=0.01)
    source = atlas["communes"].set_index("code").loc["50025", "geometry"]
    assert avranches.geometry.geom_type == "MultiPolygon"
    assert avranches.geometry.area == pytest.approx(source.area)
    assert avranches.geometry.area / 1e6 == pytest.approx(11.05, abs=0.05)  # km², Lambert-93

    info = pyogrio.read_info(path, layer="siae")
    fields = dict(zip(info["fields"], info["ogr_subtypes"], strict=True))
    assert fields["dans_liste_2021"] == "OFSTBoolean"
    siae = pyogrio.read_dataframe(path, layer="siae")
    assert len(siae) == len(atlas["siae"])
    assert set(siae["siret"]) == set(atlas["siae"]["siret"])
    assert pd.api.types.is_string_dtype(siae["romes"])
    # reprojected from WGS84 into Lambert-93: the Manche lies around x 350-410 km, y 6.83-6.97e6 m
    minx, miny, maxx, maxy = siae.total_bounds
    assert 330_000 < minx < maxx < 420_000 and 6_800_000 < miny < maxy < 6_990_000
    expected = atlas["siae"].to_crs(2154).set_index("siret").geometry
    got = siae.set_index("siret").geometry
    assert got.distance(expected.loc[got.index]).max() < 1e-6


def test_gpkg_fields_and_crs_choices(tmp_path) -> None:
    long_name = "part des salariés en insertion résidant dans un quartier prioritaire de la ville"
    pts = gpd.GeoDataFrame(
        {
            long_name: [1.0, 2.0],
            long_name + " (bis)": [3.0, 4.0],
            "fid": [10, 11],
            "romes": [np.array(["A1", "B2"]), []],
            "infos": [{"a": 1}, None],
            "flag": pd.array([True, None], dtype="boolean"),
        },
        geometry=[shapely.Point(-61.5, 16.2), shapely.Point(-61.6, 16.0)],  # Guadeloupe
        crs=4326,
    )
    polys = gpd.GeoDataFrame(
        {"code": ["a", "b"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.MultiPolygon([shapely.box(2, 2, 3, 3)])],
        crs=2154,
    )
    world = gpd.GeoDataFrame(
        {"code": ["metro", "reunion"]},
        geometry=[shapely.Point(2.35, 48.85), shapely.Point(55.45, -20.88)],
        crs=4326,
    )
    path = write_gpkg({"points": pts, "polygones": polys, "monde": world}, tmp_path / "t.gpkg")
    info = pyogrio.read_info(path, layer="points")
    assert info["crs"] == "EPSG:5490"  # the metric CRS of Guadeloupe
    fields = list(info["fields"])
    assert all(len(f) <= 63 for f in fields)
    assert fields[0] == long_name[:63] and fields[1] == long_name[:61] + "_2"
    assert fields[2] == "fid_source"
    df = pyogrio.read_dataframe(path, layer="points")
    assert df["romes"].tolist() == ["A1, B2", ""]
    assert df["infos"].tolist()[0] == "a : 1"
    assert dict(zip(info["fields"], info["ogr_subtypes"], strict=True))["flag"] == "OFSTBoolean"
    assert [tuple(r) for r in pyogrio.list_layers(path)][1] == ("polygones", "MultiPolygon")
    assert pyogrio.read_info(path, layer="polygones")["crs"] == "EPSG:2154"
    assert pyogrio.read_info(path, layer="monde")["crs"] == "EPSG:4326"  # spans several zones


def test_gpkg_refusals(tmp_path) -> None:
    pt = gpd.GeoDataFrame({"n": [12]}, geometry=[shapely.Point(0, 0)], crs=2154)
    with pytest.raises(ExportError, match="Nom de couche invalide"):
        write_gpkg({"Communes impact": pt}, tmp_path / "t.gpkg")
    with pytest.raises(ExportError, match="système de coordonnées"):
        write_gpkg({"siae": pt.set_crs(None, allow_override=True)}, tmp_path / "t.gpkg")
    mixed = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.box(0, 0, 1, 1)], crs=2154)
    with pytest.raises(ExportError, match="mélange"):
        write_gpkg({"mixte": mixed}, tmp_path / "t.gpkg")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------------------------------
# Statistical secrecy safety net
# ------------------------------------------------------------------------------------------


def _unmasked() -> ExportTable:
    frame = pd.DataFrame({"commune": ["Avranches", "Granville"], "salaries": [3, 12]})
    return ExportTable(
        "Salariés par commune",
        frame,
        columns={"salaries": "Salariés"},
        person_counts=["salaries"],
    )


def test_unmasked_person_count_is_refused(tmp_path) -> None:
    table = _unmasked()
    pattern = r"tableau « Salariés par commune ».*colonne « salaries » \(« Salariés »\)"
    with pytest.raises(ExportSecrecyError, match=pattern):
        write_xlsx([table], tmp_path / "t.xlsx", title="t")
    with pytest.raises(ExportSecrecyError, match="secret statistique"):
        write_csv(table, tmp_path / "t.csv")
    layer = gpd.GeoDataFrame(
        table.frame, geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs=2154
    )
    with pytest.raises(ExportSecrecyError, match=r"couche « salaries_commune ».*« salaries »"):
        write_gpkg(
            {"salaries_commune": layer},
            tmp_path / "t.gpkg",
            person_counts={"salaries_commune": ["salaries"]},
        )
    layer.attrs["person_counts"] = ["salaries"]
    with pytest.raises(ExportSecrecyError):
        write_gpkg({"salaries_commune": layer}, tmp_path / "t.gpkg")
    # write_all checks everything before writing anything
    ok = ExportTable("Autre", pd.DataFrame({"a": [1]}))
    with pytest.raises(ExportSecrecyError):
        write_all(tmp_path / "atlas", [ok, table], {}, title="t")
    with pytest.raises(ExportSecrecyError):
        write_all(tmp_path / "atlas", [ok], {"salaries_commune": layer}, title="t")
    assert not list(tmp_path.iterdir())
    # a threshold below the legal floor (5) is refused, it would let the count 3 through
    with pytest.raises(secrecy.ThresholdError, match="au moins 5"):
        write_csv(table, tmp_path / "t.csv", threshold=3)
    assert not list(tmp_path.iterdir())


def test_masked_person_count_is_accepted(tmp_path) -> None:
    table = _unmasked()
    table.frame = secrecy.mask_table(table.frame, ["salaries"])
    path = write_xlsx([table], tmp_path / "t.xlsx", title="t")
    ws = openpyxl.load_workbook(path)["Salariés par commune"]
    assert [c.value for c in ws["B"]] == ["Salariés", None, 12]
    assert [c.value for c in ws["C"]] == ["Salariés (secret)", "secret statistique (moins de 5)",
                                          None]


def test_table_declarations_are_checked(tmp_path) -> None:
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ExportError, match="31"):
        write_xlsx([ExportTable("x" * 32, frame)], tmp_path / "t.xlsx", title="t")
    with pytest.raises(ExportError, match="interdit"):
        write_xlsx([ExportTable("a/b", frame)], tmp_path / "t.xlsx", title="t")
    with pytest.raises(ExportError, match="réservé"):
        write_xlsx([ExportTable("sources", frame)], tmp_path / "t.xlsx", title="t")
    with pytest.raises(ExportError, match="uniques"):
        write_xlsx([ExportTable("A", frame), ExportTable("a", frame)], tmp_path / "t", title="t")
    with pytest.raises(ExportError, match="même fichier"):
        write_xlsx(
            [ExportTable("Été", frame), ExportTable("ete", frame)], tmp_path / "t", title="t"
        )
    with pytest.raises(ExportError, match="absente"):
        write_csv(ExportTable("A", frame, person_counts=["n"]), tmp_path / "t.csv")
    with pytest.raises(ExportError, match="deux colonnes"):
        write_csv(
            ExportTable("A", pd.DataFrame({"a": [1], "b": [2]}), columns={"b": "a"}),
            tmp_path / "t.csv",
        )
    assert not list(tmp_path.iterdir())


def test_helpers() -> None:
    assert exports.slugify("Communes – chômage (2021)") == "communes_chomage_2021"
    assert exports.neutralise_csv("=1+1") == "'=1+1"
    assert exports.neutralise_csv("\tx") == "'\tx"
    assert exports.neutralise_csv("Saint-Lô") == "Saint-Lô"
    named = pd.DataFrame({"n": [1.5]}, index=pd.Index(["AZ"], name="secteur"))
    cols = exports.prepare_columns(ExportTable("A", named))
    assert [c.header for c in cols] == ["secteur", "n"]
    meta = pd.DataFrame({"n": [1]})
    meta.attrs["indicateurs"] = [Indicator(key="n", label="Nombre")]
    assert ExportTable("A", meta).indicators == [Indicator(key="n", label="Nombre")]
    assert ExportTable("A", meta, meta=[]).indicators == []


# ------------------------------------------------------------------------------------------
# Atomic writes
# ------------------------------------------------------------------------------------------


def _small_tables() -> list[ExportTable]:
    return [ExportTable("A", pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]}))]


def test_xlsx_write_is_atomic(tmp_path, monkeypatch) -> None:
    path = write_xlsx(_small_tables(), tmp_path / "t.xlsx", title="Première version")
    before = sha256_file(path)

    original = openpyxl.Workbook.save

    def broken_save(self, filename) -> None:
        original(self, filename)
        with open(filename, "r+b") as handle:  # a half-written zip, then the failure
            handle.truncate(100)
        raise OSError("disque plein")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disque plein"):
        write_xlsx(_small_tables(), path, title="Seconde version")
    assert sha256_file(path) == before
    assert openpyxl.load_workbook(path)["À lire"]["A1"].value == "Première version"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_csv_write_is_atomic(tmp_path, monkeypatch) -> None:
    path = write_csv(_small_tables()[0], tmp_path / "t.csv")
    before = path.read_bytes()
    calls = {"n": 0}
    original = csv_export._csv_cell

    def failing(value):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("panne")
        return original(value)

    monkeypatch.setattr(csv_export, "_csv_cell", failing)
    with pytest.raises(RuntimeError, match="panne"):
        write_csv(_small_tables()[0], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_gpkg_write_is_atomic(tmp_path, monkeypatch) -> None:
    layers = {
        "a": gpd.GeoDataFrame({"v": [1]}, geometry=[shapely.Point(700_000, 6_600_000)], crs=2154),
        "b": gpd.GeoDataFrame({"v": [2]}, geometry=[shapely.Point(700_100, 6_600_000)], crs=2154),
    }
    path = write_gpkg(layers, tmp_path / "t.gpkg")
    before = sha256_file(path)
    original = pyogrio.write_dataframe

    def failing(df, target, layer=None, **kwargs):
        if layer == "b":
            raise RuntimeError("panne au milieu")
        return original(df, target, layer=layer, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(RuntimeError, match="panne au milieu"):
        write_gpkg(layers, path)
    assert sha256_file(path) == before
    assert [tuple(r) for r in pyogrio.list_layers(path)] == [("a", "Point"), ("b", "Point"),
                                                             ("layer_styles", None)]
    assert [p.name for p in tmp_path.iterdir()] == ["t.gpkg"]


def test_csv_folder_replaced_as_a_whole(tmp_path) -> None:
    folder = tmp_path / "atlas"
    tables = [*_small_tables(), ExportTable("B", pd.DataFrame({"x": [1]}))]
    write_all(folder, tables, {}, title="t")
    assert sorted(p.name for p in (folder / "csv").iterdir()) == ["a.csv", "b.csv"]
    written = write_all(folder, tables[:1], {}, title="t")
    assert sorted(p.name for p in (folder / "csv").iterdir()) == ["a.csv"]
    assert "gpkg" not in written
    assert io.BytesIO(written["csv"]["A"].read_bytes()).read(3) == b"\xef\xbb\xbf"
