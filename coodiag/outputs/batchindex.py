"""The index of a batch of diagnoses: ``index.html`` and ``index.xlsx``, one row per SIAE.

Each row: SIRET, name, type and commune of the SIAE, its territory, a few key figures of the
territory (each carried by an :class:`~coodiag.base.indicators.Indicator`: label, unit,
source, vintage, listed under the table and in the « Sources » sheet), the status (« fait »,
« déjà à jour », « échec ») with the French reason of a failure, and relative links to its PDF
and HTML atlas (the index opens from the batch folder, offline). Failures are also listed
above the table.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from coodiag import fr
from coodiag._io import atomic_path
from coodiag.base.indicators import Indicator
from coodiag.outputs.captions import is_people_count
from coodiag.outputs.document import ExportTable
from coodiag.outputs.exports.xlsx import write_xlsx
from coodiag.outputs.tableview import number_html
from coodiag.reports.context import COVERAGE_CLASSES
from coodiag.reports.key_figures import TERRITORY

#: The roster cell of a SIAE without a file in a batch with a roster folder.
NO_ROSTER = "aucun : diagnostic sans salariés (zone d'emploi seule, sans impact)"
#: The headers of the list of roster files no SIAE uses.
IGNORED_HEADERS = {"fichier": "Fichier", "motif": "Motif"}

#: Status of a SIAE in a batch -> its French label.
STATUS = {"done": "fait", "current": "déjà à jour", "failed": "échec"}
#: A count of each status in the index's first line (singular, plural): « 4 produits ;
#: 1 en échec ».
COUNTED = {"done": ("produit", "produits"), "current": ("déjà à jour", "déjà à jour"),
           "failed": ("en échec", "en échec")}

#: The key figures of the territory shown in the index: (key, start of the label in the key
#: figures table).
INDEX_FIGURES = (
    ("population", "Population"),
    ("demandeurs_emploi", "Demandeurs d'emploi"),
    ("taux_chomage", "Taux de chômage"),
    ("siae", "SIAE (toutes)"),
    ("capacite_pour_1000_demandeurs", "Capacité pour 1 000"),
)
#: Communes of the territory in the first coverage class.
LOW_ACCESS = Indicator(
    key="communes_acces_faible",
    label=f"Communes en « {COVERAGE_CLASSES[0]} »",
    unit="communes",
    source="coodiag : classes de couverture (besoin : INSEE RP 2021-2022 ; offre : registre "
    "des SIAE, accessibilité 2SFCA)",
    vintage="RP 2021-2022 ; SIAE 2019-2021",
    method="terciles du besoin et de l'offre sur la référence du diagnostic",
)

Row = dict[str, Any]


def _figures(diag: Any) -> list[dict]:
    """The key figures of the diagnosis's territory, as plain dicts (JSON-able)."""
    out = []
    table = diag.chiffres_cles
    for key, start in INDEX_FIGURES:
        rows = table[table["indicateur"].astype(str).str.startswith(start)]
        if rows.empty:
            continue
        r = rows.iloc[0]
        ind = Indicator(key=key, label=str(r["indicateur"]), unit=str(r["unite"]),
                        source=str(r["source"]), vintage=str(r["millesime"]))
        value = r.get(TERRITORY)
        out.append({**ind.as_dict(), "valeur": None if fr.is_missing(value) else float(value)})
    cov = diag.couverture
    if "classe" in cov.columns:
        n = int(cov["classe"].astype(str).str.startswith(COVERAGE_CLASSES[0]).sum())
        out.append({**LOW_ACCESS.as_dict(), "valeur": float(n)})
    return out


def summary_row(diag: Any, paths: Mapping[str, Any], folder: Path) -> Row:
    """The index row of a diagnosis rendered into ``paths`` (links relative to ``folder``)."""
    s = diag.structure

    def rel(key: str) -> str | None:
        path = paths.get(key)
        return Path(path).relative_to(folder).as_posix() if path else None

    return {
        "siret": diag.siret,
        "nom": None if s.get("nom") is None else str(s.get("nom")),
        "type_siae": None if s.get("type_siae") is None else str(s.get("type_siae")),
        "commune": None if s.get("commune") is None else str(s.get("commune")),
        "territoire": diag.territoire_label,
        "figures": _figures(diag),
        "pdf": rel("pdf"),
        "html": rel("html"),
        "pages": (paths.get("_timings") or {}).get("pages"),
        "raison": None,
    }


def indicators_of(rows: Sequence[Row]) -> list[Indicator]:
    """The indicators of the figures of ``rows``, each once, in their order."""
    seen: dict[str, Indicator] = {}
    for row in rows:
        for fig in row.get("figures") or []:
            if fig["key"] not in seen:
                seen[fig["key"]] = Indicator.from_row(fig)
    return list(seen.values())


def _decimals(ind: Indicator) -> int:
    unit = ind.unit
    return 1 if "%" in unit or "pour 1 000" in unit else 0


def roster_cell(row: Row) -> str | None:
    """What the index says of a SIAE's roster, in a batch with a roster folder."""
    if row.get("salaries"):
        return str(row["salaries"])
    return None if row["statut"] == "failed" else NO_ROSTER


def index_frame(rows: Sequence[Row], *,
                rosters: bool = False) -> tuple[pd.DataFrame, list[Indicator]]:
    """One row per SIAE: identity, territory, its roster file (``rosters``: the batch has a
    roster folder), figures (columns named by indicator key), status, reason, relative
    paths."""
    inds = indicators_of(rows)
    records = []
    for row in rows:
        values = {f["key"]: f["valeur"] for f in row.get("figures") or []}
        records.append({
            "siret": row["siret"], "nom": row.get("nom"), "type_siae": row.get("type_siae"),
            "commune": row.get("commune"), "territoire": row.get("territoire"),
            **({"salaries": roster_cell(row)} if rosters else {}),
            **{i.key: values.get(i.key) for i in inds},
            "statut": STATUS.get(row["statut"], row["statut"]), "raison": row.get("raison"),
            "pdf": row.get("pdf"), "html": row.get("html"),
        })
    frame = pd.DataFrame.from_records(records, columns=[
        "siret", "nom", "type_siae", "commune", "territoire", *(["salaries"] if rosters else []),
        *[i.key for i in inds], "statut", "raison", "pdf", "html"])
    return frame, inds


HEADERS = {"siret": "SIRET", "nom": "Structure", "type_siae": "Type", "commune": "Commune",
           "territoire": "Territoire du diagnostic", "salaries": "Fichier des salariés",
           "statut": "Statut",
           "raison": "Motif de l'échec", "pdf": "Atlas PDF", "html": "Atlas HTML"}

CSS = """
body{font-family:'Liberation Sans',Arial,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.4rem;margin:0 0 .3rem}p.meta{color:#555;margin:.2rem 0 1rem}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ccc;padding:.3rem .45rem;
vertical-align:top}th{background:#eef2f5;text-align:left}td.num{text-align:right;
white-space:nowrap}th small{font-weight:normal;color:#555}tr.failed td{background:#fdf0ef}
.echecs{background:#fdf0ef;border:1px solid #e3b5b0;padding:.6rem 1rem;margin:0 0 1rem}
.nd{color:#888}ol.sources{font-size:.8rem;color:#444}
"""


def _text(value: Any) -> str:
    return html.escape(fr.typography(value)) if not fr.is_missing(value) else \
        f'<span class="nd">{fr.MISSING}</span>'


def _link(path: str | None, label: str) -> str:
    if fr.is_missing(path) or not path:
        return ""
    return f'<a href="{html.escape(path, quote=True)}">{label}</a>'


def _rosters_html(rows: Sequence[Row], rosters: tuple[Path, Sequence[tuple[str, str]]]) -> list:
    """The roster folder, how many SIAE have a file, the files no SIAE uses."""
    folder, ignored = rosters
    n = sum(bool(r.get("salaries")) for r in rows)
    parts = [f'<p class="meta">Fichiers des salariés : {_text(str(folder))} — '
             f"{fr.integer(n)} SIAE avec fichier, {fr.integer(len(rows) - n)} sans "
             "(diagnostic sans salariés : zone d'emploi seule, sans impact).</p>"]
    if ignored:
        parts.append(f'<div class="echecs"><strong>{fr.integer(len(ignored))} fichier(s) du '
                     "dossier des salariés sans SIAE du lot (non utilisés) :</strong><ul>")
        parts += [f"<li>{_text(name)} : {_text(why)}</li>" for name, why in ignored]
        parts.append("</ul></div>")
    return parts


def index_html(rows: Sequence[Row], *, title: str, produced: dt.date,
               rosters: tuple[Path, Sequence[tuple[str, str]]] | None = None) -> str:
    """The index page: counts, failures, the roster files (``rosters``: the roster folder and
    the files no SIAE uses), the table of SIAE, the sources of the figures."""
    frame, inds = index_frame(rows, rosters=rosters is not None)
    counts = {k: sum(r["statut"] == k for r in rows) for k in STATUS}
    summary = " ; ".join(f"{fr.integer(n)} {COUNTED[k][n > 1]}" for k, n in counts.items() if n)
    parts = [
        "<!DOCTYPE html>", '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>{_text(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_text(title)}</h1>",
        f'<p class="meta">{fr.integer(len(rows))} SIAE ({summary}) — édité le '
        f"{fr.date(produced)} par coodiag.</p>",
    ]
    failed = [r for r in rows if r["statut"] == "failed"]
    if failed:
        parts.append(f'<div class="echecs"><strong>{fr.integer(len(failed))} diagnostic(s) '
                     "non produit(s) :</strong><ul>")
        parts += [f"<li>{_text(r['siret'])}" + (f" — {_text(r['nom'])}" if r.get("nom") else "")
                  + f" : {_text(r.get('raison'))}</li>" for r in failed]
        parts.append("</ul></div>")
    if rosters is not None:
        parts += _rosters_html(rows, rosters)
    cols = ["siret", "nom", "type_siae", "commune", "territoire",
            *(["salaries"] if rosters is not None else [])]
    head = [HEADERS[c] for c in cols]
    head = [f"<th>{h}</th>" for h in head]
    head += [f"<th>{_text(i.label)}<br><small>{_text(i.unit)}</small><sup>{n}</sup></th>"
             for n, i in enumerate(inds, start=1)]
    head += ["<th>Statut</th>", "<th>Atlas</th>"]
    parts += ["<table><thead><tr>", *head, "</tr></thead><tbody>"]
    for rec, row in zip(frame.to_dict("records"), rows, strict=True):
        cls = ' class="failed"' if row["statut"] == "failed" else ""
        cells = [_text(rec[c]) if not (cls and fr.is_missing(rec[c])) else "" for c in cols]
        out = [f"<td>{c}</td>" for c in cells]
        for ind in inds:
            value = rec[ind.key]
            if row["statut"] == "failed" and fr.is_missing(value):
                out.append("<td></td>")
                continue
            shown, _ = number_html(None if fr.is_missing(value) else value, _decimals(ind),
                                   count=is_people_count(ind))
            out.append(f'<td class="num">{shown}</td>')
        status = _text(rec["statut"])
        if row["statut"] == "failed":
            status += f"<br><small>{_text(rec['raison'])}</small>"
        out.append(f"<td>{status}</td>")
        links = " · ".join(x for x in (_link(rec["pdf"], "PDF"), _link(rec["html"], "HTML")) if x)
        out.append(f"<td>{links}</td>")
        parts.append(f"<tr{cls}>{''.join(out)}</tr>")
    parts.append("</tbody></table>")
    if inds:
        parts.append('<p>Chiffres du territoire de chaque diagnostic. Sources :</p>'
                     '<ol class="sources">')
        parts += [f"<li>{_text(i.label)} : {_text(i.source)} ({_text(i.vintage)})"
                  + (f" ; {_text(i.method)}" if i.method else "") + "</li>" for i in inds]
        parts.append("</ol>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_index(folder: Path, rows: Sequence[Row], *, title: str, options: Any = None,
                produced: dt.date | None = None,
                rosters: tuple[Path, Sequence[tuple[str, str]]] | None = None,
                ) -> dict[str, Path]:
    """Write ``folder/index.html`` and ``folder/index.xlsx`` (atomically); their paths.

    ``rosters``: the batch's roster folder and the files of it no SIAE uses (file name, French
    reason): a column « Fichier des salariés » and, when some, a sheet listing those files."""
    produced = produced or dt.date.today()
    page = index_html(rows, title=title, produced=produced, rosters=rosters)
    target = folder / "index.html"
    with atomic_path(target) as tmp:
        tmp.write_text(page, encoding="utf-8")
    frame, inds = index_frame(rows, rosters=rosters is not None)
    columns = dict(HEADERS) | {i.key: f"{i.label} ({i.unit})" for i in inds}
    table = ExportTable(
        name="Diagnostics", frame=frame, title=title, columns=columns, meta=inds,
        decimals={i.key: _decimals(i) for i in inds},
    )
    tables = [table]
    if rosters is not None and rosters[1]:
        tables.append(ExportTable(
            name="Fichiers non utilisés", title="Fichiers du dossier des salariés "
            f"({rosters[0]}) sans SIAE du lot", columns=IGNORED_HEADERS, meta=[],
            frame=pd.DataFrame(list(rosters[1]), columns=list(IGNORED_HEADERS), dtype="string"),
        ))
    threshold = getattr(options, "threshold", None)
    xlsx = write_xlsx(tables, folder / "index.xlsx", title=title, threshold=threshold,
                      produced=produced)
    return {"html": target, "xlsx": Path(xlsx)}
