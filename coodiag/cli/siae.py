"""``coodiag siae ...``: the insertion offer, its registry and its weight per territory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coodiag import codes, fr, levels
from coodiag.cli.common import (
    AnneeOpt,
    CapaciteOpt,
    ReseauxOpt,
    TerritoireOpt,
    console,
    fail,
)
from coodiag.errors import CoodiagError

app = typer.Typer(help="L'offre d'insertion : registre des SIAE, poids par territoire.")


def _registry(capacite: Path | None, reseaux: Path | None = None, annee: int | None = None):
    from coodiag.analyses import offer
    from coodiag.base import store

    registry = store.read_level("siae")
    user = membership = None
    if capacite is not None:
        from coodiag.userfiles import read_capacite

        result = read_capacite(capacite, annee=annee)
        console.print(result.report_text(), highlight=False, markup=False)
        user = result.data
    if reseaux is not None:
        from coodiag.userfiles import read_reseaux

        result = read_reseaux(reseaux)
        console.print(result.report_text(), highlight=False, markup=False)
        membership = result.data
    return offer.attach_reseaux(offer.apply_capacity(registry, user), membership)


def _capacity(value: float, estimated: bool) -> str:
    """A capacity in salariés, ``≈`` when estimated by the national average of the type."""
    if fr.is_missing(value):
        return fr.MISSING
    return f"≈ {fr.integer(value)}" if estimated else fr.integer(value)


@app.command("list")
def siae_list(
    territoire: TerritoireOpt,
    type_siae: Annotated[
        str | None, typer.Option("--type", help="Ne garder qu'un type : ACI, AI, EI, ETTI, GEIQ.")
    ] = None,
    capacite: CapaciteOpt = None,
    annee: AnneeOpt = None,
    reseaux: ReseauxOpt = None,
    reseau: Annotated[
        str | None, typer.Option("--reseau", help="Ne garder que les membres de ce réseau.")
    ] = None,
) -> None:
    """Lister les SIAE d'un territoire, avec leur capacité et le poids de l'offre."""
    from coodiag import territory
    from coodiag.base import store
    from coodiag.reference.cog import current_code

    try:
        communes = store.read_level("communes")
        terr = territory.check(territory.parse(territoire), communes, lineage=current_code)
        registry = _registry(capacite, reseaux, annee)
    except CoodiagError as exc:
        raise fail(exc) from None
    for note in terr.notes:
        console.print(f"[yellow]Note :[/] {note}", highlight=False)
    inside = set(communes.loc[terr.mask(communes), "code"])
    rows = registry[registry["code_commune"].isin(inside)]
    if type_siae:
        rows = rows[rows["type_siae"] == type_siae.upper()]
    if reseau:
        from coodiag.userfiles.reseaux import reseau_aliases, reseau_key

        wanted = reseau_aliases().get(reseau_key(reseau), reseau).casefold()
        rows = rows[[any(r.casefold() == wanted for r in rs) for rs in rows["reseaux"]]]
    table = Table(title=f"SIAE — {terr.label(communes)}")
    table.add_column("SIRET", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Nom", ratio=2)
    table.add_column("Commune", ratio=1)
    table.add_column("Capacité", justify="right", no_wrap=True)
    table.add_column("Listes", ratio=1)
    with_reseaux = reseaux is not None
    if with_reseaux:
        table.add_column("Réseaux", ratio=1)
    for r in rows.sort_values(["type_siae", "commune", "nom"]).itertuples():
        cells = [
            r.siret,
            r.type_siae,
            str(r.nom),
            str(r.commune),
            _capacity(r.capacite, r.capacite_estimee),
            r.listes,
        ]
        if with_reseaux:
            cells.append(", ".join(r.reseaux))
        table.add_row(*cells)
    console.print(table)
    console.print(_weight_table(rows, communes[terr.mask(communes)], terr.label(communes)))


def _weight_table(rows, communes_inside, label: str) -> Table:
    """Weight of the offer in a territory: structures by type, capacity, per 1,000."""
    from coodiag.analyses import offer
    from coodiag.base import registry as siae
    from coodiag.base import store

    indicators = store.read_table("indicateurs_communes")
    whole = communes_inside.assign(territoire="territoire")
    dens = offer.denominators(whole, indicators, by="territoire")
    table = Table(title=f"Poids de l'offre d'insertion — {label}")
    table.add_column("Indicateur")
    table.add_column("Valeur", justify="right")
    table.add_column("Unité, dénominateur, source", overflow="fold")
    for t in siae.TYPES:
        n = int((rows["type_siae"] == t).sum())
        if n:
            table.add_row(f"{t}", str(n), f"structures ({siae.TYPES[t]})")
    estimated = bool(rows["capacite_estimee"].any())
    capacity = rows["capacite"].sum(min_count=1)
    note = " ; ≈ estimation : moyenne nationale du type (DARES, 31/12/2019)" if estimated else ""
    unknown = rows.loc[rows["capacite"].isna(), "type_siae"]
    if len(unknown):
        note += (
            f" ; {len(unknown)} structure(s) sans capacité connue non comptée(s) "
            f"({', '.join(sorted(unknown.unique()))})"
        )
    table.add_row("Capacité", _capacity(capacity, estimated), f"salariés en insertion{note}")
    for name, (_key, den_label) in offer.DENOMINATORS.items():
        den = dens.get(name, {}).get("territoire", float("nan"))
        value = 1000 * capacity / den if den == den and den > 0 else float("nan")
        table.add_row(
            f"Capacité pour 1 000 {den_label.split(' (')[0]}",
            fr.number(value, 1),
            f"pour 1 000 {den_label}",
        )
    return table


@app.command("show")
def siae_show(
    siret: Annotated[str, typer.Argument(help="SIRET de la structure (14 chiffres).")],
    capacite: CapaciteOpt = None,
    annee: AnneeOpt = None,
) -> None:
    """Afficher la fiche d'une SIAE : champs, source et date de chaque champ."""
    try:
        registry = _registry(capacite, annee=annee)
    except CoodiagError as exc:
        raise fail(exc) from None
    rows = registry[registry["siret"] == codes.parse_siret(siret)]
    if rows.empty:
        raise fail(CoodiagError(f"SIRET {siret} absent du registre des SIAE."))
    for r in rows.to_dict("records"):
        table = Table(title=f"{r['nom']} — {r['type_siae']} — SIRET {r['siret']}", show_header=True)
        table.add_column("Champ")
        table.add_column("Valeur", overflow="fold")
        table.add_column("Source")
        for field in ("nom", "naf", "adresse", "code_postal", "code_commune"):
            table.add_row(field, str(r[field]), str(r[f"{field}_source"]))
        for field in (
            "commune",
            "epci_nom",
            "ze_nom",
            "dep",
            "placement",
            "position_source",
            "listes",
        ):
            table.add_row(field, str(r[field]), "")
        table.add_row(
            "capacite",
            _capacity(r["capacite"], r["capacite_estimee"]),
            str(r["capacite_source"]),
        )
        if len(r["romes"]):
            table.add_row("romes", ", ".join(r["romes"]), "liste ASP (2019-07)")
        console.print(table)


@app.command("rejets")
def siae_rejets() -> None:
    """Lister les lignes des listes de SIAE non retenues telles quelles, avec leur motif."""
    from coodiag.base import store

    try:
        rejets = store.read_table("siae_rejets")
    except CoodiagError as exc:
        raise fail(exc) from None
    table = Table(title=f"Registre des SIAE : {len(rejets)} lignes signalées")
    for col in ("Source", "Ligne", "SIRET", "Type", "Motif"):
        table.add_column(col, no_wrap=col in ("SIRET", "Ligne"), overflow="fold")
    for r in rejets.itertuples():
        ligne = "" if r.ligne != r.ligne or r.ligne is None else str(int(r.ligne))
        table.add_row(r.source, ligne, str(r.siret), str(r.type), r.motif)
    console.print(table)


@app.command("poids")
def siae_poids(
    niveau: Annotated[str, typer.Option("--niveau", help="commune, epci, ze, dep ou reg.")] = "ze",
    territoire: Annotated[
        str | None, typer.Option("--territoire", "-t", help="Restreindre à un territoire.")
    ] = None,
    sortie: Annotated[
        Path | None, typer.Option("--sortie", help="Écrire le tableau en CSV (séparateur ;).")
    ] = None,
    capacite: CapaciteOpt = None,
    annee: AnneeOpt = None,
) -> None:
    """Poids de l'offre d'insertion par commune, EPCI, zone d'emploi, département ou région."""
    from coodiag import territory
    from coodiag._io import atomic_path
    from coodiag.analyses import offer
    from coodiag.base import store
    from coodiag.reference.cog import current_code

    if niveau not in offer.LEVEL_COLUMNS:
        raise fail(
            CoodiagError(
                f"Niveau « {niveau} » inconnu : choisissez parmi {', '.join(offer.LEVEL_COLUMNS)}."
            )
        )
    try:
        communes = store.read_level("communes")
        registry = _registry(capacite, annee=annee)
        if territoire:
            terr = territory.check(territory.parse(territoire), communes, lineage=current_code)
            communes = communes[terr.mask(communes)]
            for note in terr.notes:
                console.print(f"[yellow]Note :[/] {note}", highlight=False)
            registry = registry[registry["code_commune"].isin(set(communes["code"]))]
    except CoodiagError as exc:
        raise fail(exc) from None
    level = levels.get(niveau)
    dens = offer.denominators(communes, store.read_table("indicateurs_communes"), by=level.code)
    weight = offer.offer_by_territory(registry, level=niveau, denominators=dens)
    label_of = communes.drop_duplicates(level.code).set_index(level.code)[level.name]
    table = Table(title=f"Poids de l'offre d'insertion par {niveau}")
    table.add_column("Territoire", ratio=3, overflow="fold")
    table.add_column("Structures", ratio=2, overflow="fold")
    for head in ("Capacité", "‰ chôm.", "‰ 15-64", "‰ DE"):
        table.add_column(head, justify="right", no_wrap=True)

    type_cols = [c for c in weight.columns if c.startswith("n_") and c != "n_siae"]
    for row in weight.to_dict("records"):
        kinds = ", ".join(f"{int(row[c])} {c[2:]}" for c in type_cols if row[c])
        table.add_row(
            f"{label_of.get(row['code'], '')} ({row['code']})",
            f"{int(row['n_siae'])} : {kinds}",
            ("≈ " if row["capacite_estimee_part"] > 0 else "") + fr.integer(row["capacite"]),
            *(
                fr.number(row.get(f"capacite_pour_1000_{d}", float("nan")), 1)
                for d in ("chomeurs", "pop1564", "demandeurs")
            ),
        )
    console.print(table)
    console.print(
        "Capacité : salariés en insertion, estimée par la moyenne nationale du type (DARES, "
        "31/12/2019) sans fichier de capacité (≈) ; "
        "capacité pour 1 000 (‰) : chôm. = chômeurs de 15-64 ans (recensement 2021), 15-64 = "
        f"habitants de 15-64 ans (recensement 2021), DE = {offer.DENOMINATORS['demandeurs'][1]} ; "
        f"{fr.MISSING} : {fr.MISSING_LABEL}.",
        highlight=False,
    )
    if sortie is not None:
        with atomic_path(sortie) as tmp:
            weight.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig", decimal=",")
        console.print(f"Tableau écrit dans {sortie}.")
