"""Files people really have: line ends, encodings, workbooks, stray quotes (issue 12).

Every file is written here from the first rows of the shipped example roster (real commune codes),
in the awkward shape under test; the import must either keep every row (read = used + rejected,
against a physical line count) or stop with a French message naming the file and the line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from coodiag.errors import DataError
from coodiag.userfiles import read_salaries

EXAMPLE = Path(__file__).parents[1] / "examples" / "salaries_ai_avranches_FICTIF.csv"
pytestmark = pytest.mark.usefixtures("raw_synced")


def example_lines(n: int = 10) -> list[str]:
    """Header + the first ``n`` rows of the example roster, as text lines."""
    return EXAMPLE.read_text(encoding="utf-8").splitlines()[: n + 1]


def balanced(result, physical_rows: int) -> None:
    """Nothing lost: every data line is used or rejected."""
    assert result.n_read == physical_rows
    assert result.n_used + result.n_rejected == result.n_read


def test_cr_only_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes("\r".join(example_lines()).encode("utf-8") + b"\r")
    result = read_salaries(path)
    balanced(result, 10)
    assert result.n_rejected == 0
    assert "fins de ligne Mac (CR)" in result.source
    assert result.data["code_commune"].tolist()[:3] == ["50262", "50262", "50496"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path: Path, codec: str) -> None:
    lines = example_lines()
    lines[1] = lines[1].replace("La Lande-d'Airou", "La Lande-d'Airou é")
    path = tmp_path / f"{codec}.csv"
    path.write_bytes("\r\n".join(lines).encode(codec))
    result = read_salaries(path)
    balanced(result, 10)
    assert "UTF-16 sans BOM" in result.source


def test_mac_roman(tmp_path: Path) -> None:
    lines = example_lines()
    lines[1] = lines[1].replace("La Lande-d'Airou", "Périers")
    path = tmp_path / "macroman.csv"
    path.write_bytes("\n".join(lines).encode("mac_roman"))
    result = read_salaries(path)
    assert "Mac Roman" in result.source
    balanced(result, 10)


def test_mixed_encodings_named_with_lines(tmp_path: Path) -> None:
    lines = [ln.encode("utf-8") for ln in example_lines()]
    lines[3] = lines[3].replace(b"Saint-Jean-le-Thomas", "Saint-Jean-le-Thomas é".encode())
    lines[7] = lines[7] + "é".encode("cp1252")
    path = tmp_path / "melange.csv"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(DataError) as err:
        read_salaries(path)
    msg = str(err.value)
    assert msg.startswith("melange.csv : le fichier mélange deux encodages")
    assert "UTF-8 (lignes 4, 9, 11)" in msg and "Windows-1252 (lignes 8)" in msg


def test_stray_quote_stops_with_the_opening_line(tmp_path: Path) -> None:
    lines = example_lines()
    lines[3] = lines[3].replace("Saint-Jean-le-Thomas", '"Saint-Jean-le-Thomas')
    path = tmp_path / "guillemet.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_salaries(path)
    assert str(err.value).startswith(
        "guillemet.csv : ligne 4 : guillemet « \" » ouvert et jamais refermé : les lignes 5 à 11"
    )


def test_quoted_value_on_two_lines_is_kept(tmp_path: Path) -> None:
    """A legitimate multi-line value (no record swallowed) is still read."""
    lines = example_lines()
    lines[3] = lines[3].replace("Saint-Jean-le-Thomas", '"Saint-Jean-\nle-Thomas"')
    path = tmp_path / "multiligne.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_salaries(path)
    balanced(result, 10)


def test_field_larger_than_the_csv_limit(tmp_path: Path) -> None:
    lines = example_lines()
    lines[2] = lines[2] + ";" + '"' + "x" * 200_000
    path = tmp_path / "enorme.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_salaries(path)
    assert str(err.value).startswith("enorme.csv : ligne 3 : ")
    assert "guillemet" in str(err.value) and "Traceback" not in str(err.value)


def test_excel_serial_dates_in_a_csv(tmp_path: Path) -> None:
    lines = example_lines()
    cells = lines[1].split(";")
    cells[8] = "45291"  # 31/12/2023, the date of the example row
    lines[1] = ";".join(cells)
    path = tmp_path / "serie.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = read_salaries(path)
    balanced(result, 10)
    assert result.n_rejected == 0
    assert result.data.loc[0, "date_debut"] == pd.Timestamp("2023-12-31")
    assert any("numéros de série Excel" in w and "(2)" in w for w in result.warnings)


def _workbook(lines: list[str]) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in lines:
        ws.append(line.split(";"))
    return wb


def test_xlsx_date_cells_with_a_time(tmp_path: Path) -> None:
    wb = _workbook(example_lines())
    ws = wb.active
    ws["I2"] = dt.datetime(2023, 12, 31, 8, 30)
    ws["J2"] = dt.datetime(2024, 1, 30, 17, 0)
    path = tmp_path / "heures.xlsx"
    wb.save(path)
    result = read_salaries(path)
    balanced(result, 10)
    assert result.n_rejected == 0
    assert result.data.loc[0, "date_fin"] == pd.Timestamp("2024-01-30")


def test_xlsx_merged_cells_carried_down(tmp_path: Path) -> None:
    wb = _workbook(example_lines())
    ws = wb.active
    for row in (3, 4):  # the SIRET column (L) merged over rows 2-4
        ws[f"L{row}"] = None
    ws.merge_cells("L2:L4")
    path = tmp_path / "fusion.xlsx"
    wb.save(path)
    result = read_salaries(path)
    balanced(result, 10)
    assert result.data["siret"].head(3).tolist() == ["37968077000029"] * 3
    assert any("fusionnées (L2:L4)" in w for w in result.warnings)


def test_ods_workbook(tmp_path: Path) -> None:
    rows = [ln.split(";") for ln in example_lines()]
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    path = tmp_path / "libreoffice.ods"
    frame.to_excel(path, engine="odf", index=False)
    result = read_salaries(path)
    balanced(result, 10)
    assert result.source.startswith("classeur LibreOffice")
    assert result.data["code_commune"].tolist()[:3] == ["50262", "50262", "50496"]


def test_html_saved_as_xls_is_named(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    body = "".join(f"<tr><td>{ln.replace(';', '</td><td>')}</td></tr>" for ln in example_lines())
    path.write_text(f"<html><body><table>{body}</table></body></html>", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_salaries(path)
    msg = str(err.value)
    assert msg.startswith("export.xls : ce fichier est une page web (HTML)")
    assert "50262" not in msg and len(msg) < 400


def test_sirene_coordinates_checked(tmp_path: Path) -> None:
    """Swapped latitude / longitude put back, out-of-France coordinates dropped with their
    lines, the geolocation file's bad lines counted (the establishments themselves are kept)."""
    from coodiag.userfiles import read_sirene

    stock = tmp_path / "sirene.csv"
    stock.write_text(
        "siret;codeCommuneEtablissement;activitePrincipaleEtablissement;latitude;longitude;"
        "coordonneeLambertAbscisseEtablissement;coordonneeLambertOrdonneeEtablissement\n"
        "99900001000010;50025;56.30Z;48.6844;-1.3569;;\n"  # Avranches, right
        "99900002000019;50025;56.30Z;-1.3569;48.6844;;\n"  # swapped
        "99900003000016;50025;56.30Z;148.7;-1.36;;\n"  # latitude out of range
        "99900004000013;50025;56.30Z;;;6903000;454000\n"  # Lambert x / y swapped
        "99900005000010;50025;56.30Z;;;;\n",  # no coordinates: geolocation file below
        encoding="utf-8",
    )
    geoloc = tmp_path / "geoloc.csv"
    geoloc.write_text("siret;x;y;epsg\n99900005000010;380000,5;6850000,5;2154\n"
                      "99900001000010;abc;6850000;2154\n", encoding="utf-8")
    result = read_sirene(stock, geoloc=geoloc)
    assert (result.n_read, result.n_used, result.n_rejected) == (5, 5, 0)
    data = result.data.set_index("siret")
    assert data.loc["99900002000019", "x"] == pytest.approx(data.loc["99900001000010", "x"])
    assert pd.isna(data.loc["99900003000016", "x"]) and pd.isna(data.loc["99900004000013", "x"])
    assert data.loc["99900005000010", "x"] == pytest.approx(380000.5)
    text = " ".join(result.warnings)
    assert "1 établissement(s) aux latitude et longitude inversées, remises dans l'ordre : " \
        "lignes 3." in text
    assert "hors des bornes (−90 à 90, −180 à 180), coordonnées ignorées : lignes 4." in text
    assert "Lambert-93 hors de France métropolitaine" in text and "lignes 5." in text
    assert "geoloc.csv : 1 ligne(s) inutilisables sur 2" in text and "lignes 3." in text


def test_long_values_are_cut_in_messages(tmp_path: Path) -> None:
    from coodiag.userfiles import read_reseaux

    path = tmp_path / "reseaux.csv"
    lines = ["siret;reseau", "37968077000029;" + "R" * 10_000,
             "37968077000029;Réseau « " + "X" * 150 + " »", "4" * 300 + ";COORACE"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_reseaux(path)
    assert (result.n_read, result.n_used, result.n_rejected) == (3, 1, 2)
    report = result.report_text()
    assert len(report) < 1500
    assert "ligne 2, colonne reseau : nom de réseau de plus de 200 caractères" in report
    assert "… (300 caractères)" in report  # the long SIRET echoed, cut
    assert "… (161 caractères) » inconnu" in report  # the unknown network, cut


def test_ordinary_capacity_file_with_an_asp_column_name(tmp_path: Path) -> None:
    """A plain capacity file whose ETP column is named like the ASP export's is read as a
    capacity file, not rejected as a broken ASP export."""
    from coodiag.userfiles import read_capacite

    path = tmp_path / "capacite.csv"
    path.write_text("siret;af_etp_postes_insertion;salaries\n37968077000029;24,5;60\n",
                    encoding="utf-8")
    result = read_capacite(path)
    assert "Export ASP" not in " ".join(result.notes + result.warnings)
    assert (result.n_read, result.n_used) == (1, 1)
    assert result.data.loc[0, "salaries"] == 60 and result.data.loc[0, "etp"] == 24.5


def test_arrow_pool_switched_once_for_files_read_at_once() -> None:
    """Two sessions of the explorer reading rosters at once: Arrow's process-wide pool stays
    the C library's until the last read ends, then is Arrow's own again (not left switched)."""
    import threading

    import pyarrow as pa

    from coodiag.userfiles.assemble import system_arrow_pool

    own = pa.default_memory_pool().backend_name
    assert own != "system"
    inside, leave_a, left_a = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with system_arrow_pool():
            inside.set()
            leave_a.wait(10)
        left_a.set()

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(10)
    with system_arrow_pool():
        leave_a.set()
        left_a.wait(10)  # the first read is over, this one is not
        assert pa.default_memory_pool().backend_name == "system"
        roster = read_salaries(EXAMPLE)  # a real read meanwhile
    thread.join()
    assert pa.default_memory_pool().backend_name == own
    assert len(roster.data) == len(read_salaries(EXAMPLE).data) > 0
