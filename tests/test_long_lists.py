"""Long lists in the atlas of a large territory (issue 15: the France atlas ≤ 15 s): the PDF
shows a summary by département and the first rows, the XLSX keeps every row; the exports of a
large atlas are written in a forked process while the PDF is typeset."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coodiag.outputs.background import start_call
from coodiag.outputs.builders import territory
from coodiag.outputs.document import TableItem


def _tables(doc) -> dict[str, TableItem]:
    return {i.export.name: i for s in doc.sections for i in s.items if isinstance(i, TableItem)}


@pytest.fixture(scope="module")
def normandie(base: dict) -> dict:
    import coodiag

    result = coodiag.territory_atlas("reg:28")
    return {"atlas": result, "doc": territory.territory_document(result)}


def test_region_offer_summarised_by_departement(normandie: dict) -> None:
    tables = _tables(normandie["doc"])
    listed = tables["Offre d'insertion"]
    n = len(listed.export.frame)
    assert n > territory.LONG_LIST  # Normandie: about 210 SIAE
    assert listed.max_rows == territory.PREVIEW_ROWS < n  # the PDF shows an extract...
    assert "liste complète" in listed.comment
    summary = tables["Offre par département"].export.frame
    assert list(summary["dep"]) == ["14", "27", "50", "61", "76"]
    assert list(summary["dep_nom"]) == ["Calvados", "Eure", "Manche", "Orne", "Seine-Maritime"]
    assert summary["n_siae"].sum() == n  # ...and the summary adds up to the whole list
    assert summary.loc[summary["dep"] == "50", "n_siae"].item() == 29  # as the Manche atlas
    frame = listed.export.frame
    for kind in frame["type_siae"].unique():
        assert summary[kind].sum() == (frame["type_siae"] == kind).sum(), kind
    assert summary["capacite"].sum() == pytest.approx(frame["capacite"].sum())
    epci = tables["Intercommunalités"]  # 70 EPCI or so: all listed
    assert len(epci.export.frame) <= territory.LONG_LIST
    assert epci.max_rows == len(epci.export.frame) + 1


def test_departement_keeps_its_full_list() -> None:
    assert territory.shown_rows(29) == 30 and territory.shown_rows(150) == 151
    assert territory.shown_rows(3858) == territory.PREVIEW_ROWS


def test_start_call_forked_returns_and_raises() -> None:
    assert start_call(os.getpid, fork=True)() != os.getpid()  # ran in a child
    assert start_call(os.getpid, fork=False)() == os.getpid()
    with pytest.raises(ZeroDivisionError):
        start_call(lambda: 1 / 0, fork=True)()
    waiting = start_call(lambda: __import__("time").sleep(30), fork=True)
    waiting.cancel()  # the parent failed: the child is stopped, nothing left running


def test_forked_exports_write_every_file(normandie: dict, tmp_path: Path, monkeypatch) -> None:
    import openpyxl

    from coodiag.outputs import atlas

    monkeypatch.setattr(atlas, "PARALLEL_EXPORT_ROWS", 0)  # Normandie forks too
    written = atlas.render(normandie["doc"], tmp_path / "atlas", formats=("pdf",))
    wb = openpyxl.load_workbook(written["xlsx"], read_only=True)
    rows = list(wb["Offre d'insertion"].iter_rows(values_only=True))
    assert len(rows) - 1 == len(normandie["atlas"].offre.pipe(
        lambda o: o[o["code_commune"].isin(set(normandie["atlas"].communes["code"]))]))
    assert (written["csv"] / "offre_par_departement.csv").exists()
    assert written["gpkg"].stat().st_size > 0 and written["pdf"].stat().st_size > 0
    assert written["_timings"]["exports"] >= 0


def test_long_sheets_written_as_text_equal_openpyxl(normandie: dict, tmp_path: Path,
                                                    monkeypatch) -> None:
    """The rows of the long sheets (written as XML text) read back exactly as the cells
    openpyxl writes: values, types, number formats, quote prefixes, alignments."""
    import openpyxl

    from coodiag.outputs.exports import xlsx

    tables = normandie["doc"].export_tables()
    long = [t.name for t in tables if len(t.frame) > xlsx.FAST_ROWS]
    assert "Classes de couverture" in long  # 2,644 communes in Normandie
    xlsx.write_xlsx(tables, tmp_path / "fast.xlsx", title="Normandie")
    monkeypatch.setattr(xlsx, "FAST_ROWS", 10**9)
    xlsx.write_xlsx(tables, tmp_path / "openpyxl.xlsx", title="Normandie")
    fast = openpyxl.load_workbook(tmp_path / "fast.xlsx")
    slow = openpyxl.load_workbook(tmp_path / "openpyxl.xlsx")
    assert fast.sheetnames == slow.sheetnames
    for name in long:
        a, b = fast[name], slow[name]
        assert (a.max_row, a.max_column) == (b.max_row, b.max_column) == (
            len(next(t for t in tables if t.name == name).frame) + 1, b.max_column)
        assert a.auto_filter.ref == b.auto_filter.ref
        for ra, rb in zip(a.iter_rows(), b.iter_rows(), strict=True):
            for ca, cb in zip(ra, rb, strict=True):
                assert (ca.value, type(ca.value)) == (cb.value, type(cb.value)), ca.coordinate
                assert ca.number_format == cb.number_format, ca.coordinate
                assert ca.quotePrefix == cb.quotePrefix, ca.coordinate
                assert repr(ca.alignment) == repr(cb.alignment), ca.coordinate


def test_rows_xml_escapes_and_keeps_formula_like_text(tmp_path: Path) -> None:
    import openpyxl
    import pandas as pd

    from coodiag.outputs.document import ExportTable
    from coodiag.outputs.exports import xlsx

    n = xlsx.FAST_ROWS + 5
    texts = ["=1+1", "a < b & c > d", " espace ", "", "x\x01y"] * (n // 5)
    frame = pd.DataFrame({"texte": texts, "valeur": [0.1 * i for i in range(len(texts))]})
    table = ExportTable(name="Textes", frame=frame, title="Textes")
    xlsx.write_xlsx([table], tmp_path / "t.xlsx", title="t")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["Textes"]
    assert [ws.cell(r, 1).value for r in range(2, 7)] == ["=1+1", "a < b & c > d", " espace ",
                                                          None, "xy"]
    assert ws.cell(2, 1).data_type == "s" and ws.cell(2, 1).quotePrefix
    assert ws.cell(4, 2).value == pytest.approx(0.2)
    assert ws.max_row == len(texts) + 1
