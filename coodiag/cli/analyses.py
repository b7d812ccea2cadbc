"""``coodiag analyse ...``: the four Coodiag questions from the command line (French output)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from coodiag import codes, fr
from coodiag.cli.common import console, fail
from coodiag.cli.deliverables import ReferenceOpt, check_reference
from coodiag.errors import CoodiagError

app = typer.Typer(
    help="Analyses : impact sur le chômage, couverture, scénarios, typologies."
)


def _territory(text: str):
    from coodiag import territory
    from coodiag.base import store
    from coodiag.reference.cog import current_code

    communes = store.read_level("communes")
    terr = territory.check(territory.parse(text), communes, lineage=current_code)
    for note in terr.notes:
        console.print(f"[yellow]Note :[/] {note}", highlight=False)
    return communes, terr


@app.command("impact")
def impact_cmd(
    salaries: Annotated[Path, typer.Option("--salaries", help="Fichier des salariés.")],
    denominateur: Annotated[
        str,
        typer.Option(
            "--denominateur",
            help="chomeurs (recensement 2021, INSEE) ou demandeurs (inscrits à France Travail, "
            "catégories et date non indiquées par la source).",
        ),
    ] = "chomeurs",
    date_stock: Annotated[
        str | None,
        typer.Option("--stock", help="Compter les salariés présents à cette date (AAAA-MM-JJ)."),
    ] = None,
    debut: Annotated[str | None, typer.Option("--debut", help="Début de période.")] = None,
    fin: Annotated[str | None, typer.Option("--fin", help="Fin de période.")] = None,
) -> None:
    """Impact sur le chômage : salariés résidant dans chaque commune / chômeurs × 100."""
    from coodiag import secrecy
    from coodiag.analyses import impact
    from coodiag.base import store
    from coodiag.userfiles import read_salaries

    if denominateur not in impact.UNEMPLOYED:
        raise fail(
            CoodiagError(f"Dénominateur « {denominateur} » inconnu : chomeurs ou demandeurs.")
        )
    try:
        threshold = secrecy.get_threshold()
        result = read_salaries(salaries)
    except CoodiagError as exc:
        raise fail(exc) from None
    console.print(result.report_text(), highlight=False, markup=False)
    mode = "stock" if date_stock else "periode"
    try:
        n = impact.salaries_by_commune(
            result.data, mode=mode, date=date_stock, start=debut, end=fin
        )
    except CoodiagError as exc:
        raise fail(exc) from None
    names = store.read_level("communes").set_index("code")["nom"]
    table = impact.impact_communes(
        n, store.read_table("indicateurs_communes"), denominator=denominateur, names=names
    )
    shown = secrecy.mask_series(
        table.set_index("code")["salaries"], threshold=threshold, append_total="Total"
    )
    hidden = table["code"].map(lambda c: isinstance(shown[c], str)).to_numpy()
    # By published impact, masked communes last by code: no order by a hidden value.
    table = secrecy.publication_order(table, ~hidden, by="impact_pct")
    out = Table(title="Impact sur le chômage si la structure s'arrêtait")
    for col in ("Commune", "Salariés", "Chômeurs", "Impact"):
        out.add_column(col, justify="left" if col == "Commune" else "right")
    for row in table.itertuples(index=False):
        value = shown[row.code]
        secret = isinstance(value, str)
        out.add_row(
            f"{row.nom} ({row.code})",
            secrecy.format_count(value, threshold=threshold),
            fr.integer(row.chomeurs),
            "secret" if secret else fr.percent(row.impact_pct, 2),
        )
    out.add_row("Total", secrecy.format_count(shown["Total"], threshold=threshold), "", "")
    console.print(out)
    console.print(
        f"Impact = salariés en parcours résidant dans la commune / {table.attrs['denominateur']} "
        f"(arrondis à l'unité) × 100 ; {impact.counted_text(n.attrs)} ; "
        f"secret statistique : moins de {threshold} masqué (et l'impact avec).",
        highlight=False,
    )


@app.command("couverture")
def couverture_cmd(
    territoire: Annotated[str, typer.Option("--territoire", "-t", help="dep:50, ze:2802...")],
    type_siae: Annotated[
        str, typer.Option("--type", help="ACI, AI, EI, ETTI ou ensemble.")
    ] = "ensemble",
    sortie: Annotated[
        Path | None, typer.Option("--sortie", help="Écrire le tableau par commune en CSV.")
    ] = None,
    reference: ReferenceOpt = "territoire",
) -> None:
    """Zones blanches : besoin et offre (accessibilité 2SFCA) commune par commune."""
    from coodiag._io import atomic_path
    from coodiag.analyses import coverage
    from coodiag.analyses.access import ALL, TYPES_SIAE
    from coodiag.reports.context import Context

    try:
        if type_siae.lower() != ALL and type_siae.upper() not in TYPES_SIAE:
            raise CoodiagError(f"Type de SIAE « {type_siae} » inconnu : {', '.join(TYPES_SIAE)} "
                               f"ou {ALL}.")
        communes, terr = _territory(territoire)
        ref = check_reference(reference)
    except CoodiagError as exc:
        raise fail(exc) from None
    inside = set(communes.loc[terr.mask(communes), "code"])
    cov = Context().coverage(
        inside, reference=ref, territory_label=terr.label(communes),
        type_siae=type_siae.upper() if type_siae.lower() != ALL else ALL,
    )
    counts = cov["classe"].value_counts()
    table = Table(title=f"Couverture ({type_siae}) — {terr.label(communes)}")
    table.add_column("Classe", no_wrap=True, min_width=40)
    table.add_column("Communes", justify="right")
    table.add_column("Chômeurs (RP 2021)", justify="right")
    table.add_column("Besoin estimé", justify="right")
    estimated = cov["besoin_estime"] if "besoin_estime" in cov.columns else cov["classe"].isna()
    for cls in [c for c in (*coverage.CLASSES, coverage.UNCLASSIFIED) if c in counts.index]:
        n = counts[cls]
        rows = cov["classe"] == cls
        table.add_row(str(cls), fr.integer(n), fr.integer(cov.loc[rows, "demande"].sum()),
                      fr.integer(int(estimated[rows].sum())))
    console.print(table)
    worst = cov[cov["classe"] == coverage.LOW_ACCESS].nlargest(10, "demande")
    if len(worst):
        top = Table(title="Accessibilité faible au regard du besoin : les 10 communes aux "
                    "chômeurs les plus nombreux")
        for col in ("Commune", "Besoin (‰ hab.)", "Offre (pour 1 000)", "Chômeurs"):
            top.add_column(col, justify="left" if col == "Commune" else "right")
        for r in worst.itertuples(index=False):
            top.add_row(
                f"{r.nom} ({r.code})",
                fr.number(r.besoin, 1),
                fr.number(r.offre, 2),
                fr.integer(r.demande),
            )
        console.print(top)
    console.print(coverage.thresholds_note(cov), highlight=False)
    console.print(str(cov.attrs.get("explication", "")), highlight=False)
    if sortie is not None:
        cov = cov.assign(classe=coverage.class_label(cov))
        with atomic_path(sortie) as tmp:
            cov.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig", decimal=",")
        console.print(f"Tableau écrit dans {sortie}.")


@app.command("scenario")
def scenario_cmd(
    territoire: Annotated[str, typer.Option("--territoire", "-t", help="Communes à afficher.")],
    ouvrir: Annotated[
        list[str] | None,
        typer.Option("--ouvrir", help="COMMUNE:TYPE[:CAPACITE], ex. 50025:ACI:25 (répétable)."),
    ] = None,
    fermer: Annotated[
        list[str] | None, typer.Option("--fermer", help="SIRET à fermer (répétable).")
    ] = None,
    reference: ReferenceOpt = "territoire",
) -> None:
    """Scénario : ouvrir ou fermer une SIAE et mesurer la variation d'accessibilité et de
    l'impact sur le chômage."""
    from coodiag.analyses import scenario
    from coodiag.reports.context import Context

    try:
        opened = [parse_opening(item) for item in ouvrir or []]
    except CoodiagError as exc:
        raise fail(exc) from None
    if not opened and not fermer:
        raise fail(
            CoodiagError("Indiquez au moins une ouverture (--ouvrir) ou fermeture (--fermer).")
        )
    try:
        communes, terr = _territory(territoire)
        ref = check_reference(reference)
    except CoodiagError as exc:
        raise fail(exc) from None
    ctx = Context()
    try:
        opened = [_current_commune(item, ctx.metro) for item in opened]
    except CoodiagError as exc:
        raise fail(exc) from None
    unknown = [s for s in fermer or [] if s not in set(ctx.registry["siret"])]
    if unknown:
        raise fail(CoodiagError(f"SIRET absent du registre : {', '.join(unknown)}."))
    inside = set(communes.loc[terr.mask(communes), "code"])
    label = terr.label(communes)
    try:
        full = scenario.scenario(
            ctx.metro, ctx.registry, ctx.accessibility.demand, open=opened,
            close=fermer or [], codes=inside, reference_codes=ctx.reference_codes(inside, ref),
            reference=ref, reference_label=ctx.reference_label(inside, ref, label),
        )
    except ValueError as exc:
        raise fail(CoodiagError(str(exc))) from None
    _print_scenario_summary(full, label)
    res = full[full["variation"] != 0]
    table = Table(title=f"Scénario — {label} : communes dont l'accès change")
    for col in ("Commune", "Type", "Avant (‰)", "Après (‰)", "Classe avant", "Classe après"):
        table.add_column(col, justify="right" if "‰" in col else "left")
    for r in res.sort_values("variation").head(40).itertuples(index=False):
        table.add_row(
            f"{r.nom} ({r.code})",
            r.type_siae,
            fr.number(1000 * r.acces_avant, 2),
            fr.number(1000 * r.acces_apres, 2),
            str(r.classe_avant),
            str(r.classe_apres),
        )
    console.print(table)
    console.print(
        f"{res['code'].nunique()} communes concernées ; {int(res['classe_change'].sum())} "
        "changements de classe. Accès : salariés en insertion accessibles pour 1 000 chômeurs "
        "(2SFCA).",
        highlight=False,
    )


def parse_opening(item: str) -> tuple[str, str, float | None]:
    """``--ouvrir COMMUNE:TYPE[:CAPACITE]`` read, or a French error naming what is wrong."""
    import math

    from coodiag.analyses.offer import DARES_2019

    parts = [p.strip() for p in item.split(":")]
    if len(parts) not in (2, 3):
        raise CoodiagError(f"--ouvrir « {item} » : attendu COMMUNE:TYPE ou COMMUNE:TYPE:CAPACITE.")
    commune = codes.parse_commune(parts[0])
    if commune is None:
        raise CoodiagError(
            f"--ouvrir « {item} » : code commune INSEE mal formé (ex. 50025 ou 2A004)."
        )
    kind = parts[1].upper()
    if kind not in DARES_2019:
        raise CoodiagError(
            f"--ouvrir « {item} » : type de SIAE inconnu « {parts[1]} » (acceptés : "
            f"{', '.join(DARES_2019)})."
        )
    cap = None
    if len(parts) == 3:
        try:
            cap = float(parts[2].replace(",", "."))
        except ValueError:
            cap = math.nan
        if not math.isfinite(cap) or cap <= 0:
            raise CoodiagError(
                f"--ouvrir « {item} » : capacité « {parts[2]} » invalide : nombre de salariés "
                "en insertion positif attendu (ex. 50025:ACI:25)."
            )
    return commune, kind, cap


def _current_commune(opening: tuple[str, str, float | None], metro) -> tuple:
    """The opening with its commune in the base: a merged commune or an arrondissement is
    replaced by its COG 2025 commune (said); an unknown one is a French error."""
    from coodiag.reference.cog import current_code

    code, kind, cap = opening
    if (metro["code"] == code).any():
        return opening
    found = current_code(pd.Series([code])).iloc[0]
    current = found["code_2025"]
    if pd.isna(current) or not (metro["code"] == current).any():
        where = "" if pd.isna(current) else " : hors de la France métropolitaine"
        raise CoodiagError(f"--ouvrir {code}:{kind} : commune {code} introuvable dans la base "
                           f"(COG 2025, métropole) ({found['detail']}){where}.")
    console.print(f"[yellow]Note :[/] --ouvrir {code}:{kind} : {found['detail']} ; la "
                  f"structure est placée dans la commune {current}.", highlight=False)
    return str(current), kind, cap


def _print_scenario_summary(res, label: str) -> None:
    """The structures opened / closed (by name) and the change of the impact on unemployment."""
    from coodiag.analyses import coverage, scenario

    moved = res.attrs.get("structures")
    if moved is not None and len(moved):
        t = Table(title="Structures du scénario")
        for col in ("Action", "Structure", "Type", "Commune", "Capacité",
                    "Chômeurs à portée", "Places pour 100 chômeurs à portée"):
            t.add_column(col, justify="left" if col in ("Action", "Structure", "Type",
                                                        "Commune") else "right")
        for r in moved.itertuples(index=False):
            t.add_row(r.changement, str(r.nom), r.type_siae, str(r.commune),
                      fr.number(r.capacite) + (" (estimée)" if r.capacite_estimee else ""),
                      fr.integer(r.chomeurs_a_portee),
                      fr.number(r.places_pour_100_chomeurs_a_portee, 1))
        console.print(t)
    imp = res.attrs.get("impact")
    if imp is not None and len(imp):
        t = Table(title=f"Impact sur le chômage — {label} : {scenario.COVERAGE_RATE.label}")
        for col in ("Type", "Chômeurs", "Places à portée avant", "Places à portée après",
                    "Avant", "Après", "Variation (points)"):
            t.add_column(col, justify="left" if col == "Type" else "right")
        for r in imp.itertuples(index=False):
            t.add_row(r.type_siae, fr.integer(r.chomeurs), fr.number(r.places_avant, 1),
                      fr.number(r.places_apres, 1), fr.number(r.taux_avant, 2),
                      fr.number(r.taux_apres, 2), fr.number(r.variation_points, 2))
        console.print(t)
        console.print(f"{scenario.COVERAGE_RATE.label} : {scenario.COVERAGE_RATE.method}.",
                      highlight=False)
    allt = res[res["type_siae"] == res["type_siae"].iloc[-1]] if len(res) else res
    before = allt["classe_avant"].value_counts()
    after = allt["classe_scenario"].value_counts()
    t = Table(title=f"Communes par classe ({allt['type_siae'].iloc[0] if len(allt) else ''}) "
              "— avant, et après (« inchangée » : accès identique)")
    for col in ("Classe", "Avant", "Après"):
        t.add_column(col, justify="left" if col == "Classe" else "right")
    for cls in [*coverage.CLASSES, coverage.UNCLASSIFIED, scenario.UNCHANGED]:
        if before.get(cls, 0) or after.get(cls, 0):
            t.add_row(cls, fr.integer(before.get(cls, 0)), fr.integer(after.get(cls, 0)))
    console.print(t)
    console.print(coverage.thresholds_note(res), highlight=False)


@app.command("typologie")
def typologie_cmd(
    preset: Annotated[
        str, typer.Option("--preset", help="personnes-agees (communes) ou offre-insertion (ZE).")
    ] = "personnes-agees",
    territoire: Annotated[
        str | None, typer.Option("--territoire", "-t", help="Restreindre à un territoire.")
    ] = None,
    classes: Annotated[
        int | None, typer.Option("--classes", help="Nombre de classes (défaut : suggéré).")
    ] = None,
) -> None:
    """Typologie (ACP + classification hiérarchique) : classes, noms, parangons."""
    from coodiag.analyses import typology
    from coodiag.reports.context import Context

    try:
        if classes is not None and classes < 2:
            raise CoodiagError(f"Nombre de classes impossible : {classes} (au moins 2).")
        ctx = Context()
        communes = ctx.communes
        mask = None
        if territoire:
            communes, terr = _territory(territoire)
            mask = terr.mask(communes)
        if preset == "personnes-agees":
            res = typology.preset_personnes_agees(
                communes, ctx.indicators, territory_mask=mask, n_classes=classes, meta=ctx.meta
            )
        elif preset == "offre-insertion":
            res = typology.preset_offre_insertion(
                communes,
                ctx.indicators,
                ctx.ze_indicators,
                ctx.registry,
                n_classes=classes,
                meta=ctx.meta,
            )
        else:
            raise CoodiagError(
                f"Préréglage « {preset} » inconnu : personnes-agees ou offre-insertion."
            )
    except (CoodiagError, ValueError) as exc:
        raise fail(CoodiagError(str(exc))) from None
    table = Table(
        title=f"Typologie « {preset} » : {res.n_classes} classes "
        f"(inertie inter / totale : {fr.percent(100 * res.inertia['inter_sur_totale'])})"
    )
    for col in ("Classe", "Nom", "Effectif", "Parangons"):
        table.add_column(col, justify="right" if col == "Effectif" else "left", overflow="fold")
    paragons = res.paragons.groupby("classe")["libelle"].apply(lambda s: ", ".join(s.head(3)))
    for cls, size in res.sizes.items():
        table.add_row(str(cls), str(res.names[cls]), str(size), str(paragons.get(cls, "")))
    console.print(table)
    console.print(str(res.attrs.get("methode", "")), highlight=False)
