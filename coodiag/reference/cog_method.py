"""The French method text stored with a COG conversion (:mod:`coodiag.reference.cog`)."""

from __future__ import annotations


def conversion_method(vintage, counts, rates, keep, table, unplaced, n_in, splits) -> str:
    """The French method text of :func:`coodiag.reference.cog.convert_communes`."""
    parts = [
        f"Conversion des codes communes du COG {vintage} vers le COG 2025. Correspondance "
        "assemblée à partir du fichier des communes INSEE du COG 2025 (une commune déléguée ou "
        "associée est rattachée à sa commune nouvelle), des anciens codes du découpage "
        "administratif Etalab et du COG 2023 : un code en vigueur est conservé, un code de "
        "commune fusionnée est rattaché à la commune qui l'a absorbée, un arrondissement "
        "municipal de Paris, Lyon ou Marseille à sa commune (75056, 69123, 13055)."
    ]
    if vintage == 2018:
        parts.append(
            "Pour le COG 2018, les scissions sont repérées en Normandie par le point de chaque "
            "commune 2025 absente des contours 2018 ; hors Normandie, seules les scissions "
            "postérieures au COG 2023 sont repérées."
        )
    if vintage == 2021:
        parts.append(
            "La liste des communes 2021 est celle du tableau converti, complétée par le COG "
            "2023 ; les scissions postérieures sont repérées par les communes déléguées du COG "
            "2023."
        )
    if vintage == 2024:
        parts.append(
            "La liste des communes 2024 est reconstituée d'après le fichier des zonages 2024."
        )
    if counts:
        parts.append(
            f"Effectifs ({', '.join(counts)}) additionnés sur les communes regroupées ; si une "
            "partie est manquante ou secrète, le total reste manquant plutôt que sous-estimé."
        )
    if rates:
        pairs = ", ".join(f"{r} pondéré par {w}" for r, w in rates.items())
        parts.append(
            f"Taux ({pairs}) recalculés comme Σ(taux × poids) / Σ(poids), manquants si une "
            "partie l'est ; inchangés pour une commune sans regroupement."
        )
    if keep:
        src = f"la partie au plus grand {counts[0]}" if counts else "la première partie"
        parts.append(f"Attributs ({', '.join(keep)}) repris de {src}.")
    if splits:
        parts.append(
            "Communes scindées depuis, non réparties faute de clé exacte (lignes écartées, "
            f"motif « scission ») : {', '.join(sorted(splits))}."
        )
    parts.append(
        f"Résultat : {n_in} lignes, {len(table)} communes 2025, {len(unplaced)} lignes non "
        "placées (listées avec leur motif)."
    )
    return " ".join(parts)
