"""`coodiag import`: the validation report and the secrecy of the residence summary."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from coodiag.cli import app

ROSTER = "examples/salaries_ai_avranches_FICTIF.csv"


def test_import_salaries_report_and_secrecy(base) -> None:
    result = CliRunner().invoke(app, ["import", "salaries", ROSTER])
    assert result.exit_code == 0, result.output
    assert "Lignes lues : 350 ; utilisées : 350 ; rejetées : 0." in result.output
    cells = re.findall(r"│ (.+?) \((\d{5})\)\s*│\s*(.+?) │", result.output)
    assert len(cells) > 20
    values = [v.strip() for _name, _code, v in cells]
    # No count of people between 1 and 4 is printed; the masked ones say so.
    for value in values:
        assert value in ("< 5", "s") or int(value.replace("\u202f", "")) >= 5
    assert "< 5" in values
    avranches = [v for name, code, v in cells if code == "50025"]
    assert avranches == ["80"]
    assert re.search(r"│ Total\s*│\s*280 │", result.output)


def test_import_unknown_format_and_missing_file(tmp_path) -> None:
    result = CliRunner().invoke(app, ["import", "paie", ROSTER])
    assert result.exit_code == 1 and "Format « paie » inconnu" in result.output
    result = CliRunner().invoke(app, ["import", "capacite", str(tmp_path / "absent.csv")])
    assert result.exit_code == 1 and "absent.csv" in result.output


def test_import_rejects_written_where_asked(tmp_path) -> None:
    bad = tmp_path / "salaries.csv"
    bad.write_text(
        "id_salarie;code_commune;annee_naissance;sexe;date_debut;date_fin\n"
        "S1;50025;1980;F;01/02/2024;01/01/2024\n"
        "S2;50025;1985;H;01/02/2024;\n",
        encoding="utf-8",
    )
    out = tmp_path / "rejets.csv"
    result = CliRunner().invoke(app, ["import", "salaries", str(bad), "--rejets", str(out)])
    assert result.exit_code == 0, result.output
    assert "rejetées : 1" in result.output
    text = out.read_text("utf-8-sig")
    assert "date de fin antérieure à la date de début" in text and "S2" not in text
