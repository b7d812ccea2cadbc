"""What each type of structure can do: the declarative table behind the préconisations.

A préconisation addresses one audience: a structure of a given type (``ACI``, ``AI``, ``EI``,
``ETTI``, ``EITI``, ``GEIQ``), or the actors of a territory (:data:`TERRITOIRE`: a CDIAE, a
réseau, a collectivité), who alone may speak of opening a structure of a missing type. A rule
names the action it calls for; :func:`action_text` gives the sentence for the audience, or
refuses an action the audience cannot take (an AI never opens an ETTI: it partners with one).

The table :data:`ACTIONS` maps an action to the sentence of each audience that can take it;
:data:`ALLOWED` is derived from it (audience -> actions it can take).
"""

from __future__ import annotations

from collections.abc import Mapping

#: The audience of a territory atlas (CDIAE, réseau, collectivité).
TERRITOIRE = "territoire"

#: French article of each type of structure: (« un / une », « aucun / aucune »).
ARTICLES: Mapping[str, tuple[str, str]] = {
    "ACI": ("un", "aucun"),
    "AI": ("une", "aucune"),
    "EI": ("une", "aucune"),
    "ETTI": ("une", "aucune"),
    "EITI": ("une", "aucune"),
    "GEIQ": ("un", "aucun"),
}

STRUCTURES = tuple(ARTICLES)
AUDIENCES = (*STRUCTURES, TERRITOIRE)

#: action -> {audience: sentence}. ``{types}`` is the list of types concerned (« une ETTI »,
#: « un ACI ou une ETTI »; « d'une ETTI » after « implantation »); an audience absent from an
#: action cannot take it.
ACTIONS: Mapping[str, Mapping[str, str]] = {
    # Reach the communes where accessibility is low with the structure's own means.
    "rapprocher": {
        "ACI": "ouvrir un support d'activité ou un lieu d'accueil au plus près de ces communes, "
        "ou organiser la mobilité de leurs habitants vers les chantiers",
        "AI": "y tenir une permanence et y développer les mises à disposition (particuliers, "
        "collectivités, associations, entreprises)",
        "EI": "y faire connaître ses postes aux prescripteurs et organiser la mobilité de leurs "
        "habitants vers ses activités",
        "ETTI": "y tenir une permanence d'agence et y chercher des missions auprès des "
        "entreprises",
        "EITI": "y tenir une permanence pour accompagner des travailleurs indépendants",
        "GEIQ": "y faire connaître aux prescripteurs les postes des entreprises adhérentes",
        TERRITOIRE: "y étudier l'implantation d'une structure ou d'une antenne{types}, ou la "
        "mobilité vers les structures existantes",
    },
    # A type is missing near communes of high need: a structure partners with one.
    "partenariat": {
        t: "nouer un partenariat avec {types} des environs pour y orienter les personnes et "
        "enchaîner les parcours"
        for t in STRUCTURES
    },
    # A type is missing from the whole territory: only the territory's actors open one.
    "implanter": {
        TERRITOIRE: "étudier l'implantation {types}, ou d'une antenne d'une structure voisine",
    },
    # Offer high compared with need, and communes of low accessibility elsewhere.
    "redeployer": {
        **{t: "orienter une partie de son recrutement vers les communes où l'accessibilité "
           "est faible et se coordonner avec les structures voisines" for t in STRUCTURES},
        "AI": "orienter une partie de son recrutement et de ses mises à disposition vers les "
        "communes où l'accessibilité est faible, et se coordonner avec les structures voisines",
        TERRITOIRE: "redéployer une partie des postes vers les communes où l'accessibilité "
        "est faible, ou mutualiser entre structures voisines",
    },
    # Offer high compared with need, no commune of low accessibility.
    "mutualiser": {
        **{t: "se coordonner avec les structures voisines (recrutement, accompagnement, "
           "mutualisation)" for t in STRUCTURES},
        TERRITOIRE: "mutualiser entre structures voisines (recrutement, accompagnement, "
        "fonctions support)",
    },
    # Occupations in tension close to the structure's activities.
    "metiers": {
        "ACI": "les cibler pour la formation, les immersions en entreprise (PMSMP) et les "
        "sorties en emploi des salariés en parcours",
        "AI": "les cibler pour les mises à disposition, la formation et les sorties en emploi "
        "des salariés en parcours",
        "EI": "les cibler pour la formation et les sorties en emploi des salariés en parcours",
        "ETTI": "prospecter les entreprises qui recrutent dans ces métiers pour des missions "
        "d'intérim et les sorties en emploi",
        "EITI": "les présenter aux personnes accompagnées qui cherchent une activité "
        "indépendante proche",
        "GEIQ": "proposer aux entreprises adhérentes des parcours en alternance dans ces métiers",
        TERRITOIRE: "les faire connaître aux structures et aux prescripteurs du territoire",
    },
    # Communes where the structure weighs in unemployment.
    "elus": {t: "les présenter aux élus de ces communes" for t in STRUCTURES},
    # Sectors over-represented in the territory.
    "prospecter": {
        "ACI": "prospecter les entreprises de ces secteurs (immersions, sorties en emploi, "
        "clauses sociales, achats responsables)",
        "AI": "prospecter les entreprises de ces secteurs (mises à disposition, recrutement, "
        "clauses sociales)",
        "EI": "prospecter les entreprises de ces secteurs (sous-traitance, achats "
        "responsables, clauses sociales, recrutement)",
        "ETTI": "prospecter les entreprises de ces secteurs (missions d'intérim, clauses "
        "sociales, recrutement)",
        "EITI": "prospecter les entreprises de ces secteurs (clients des travailleurs "
        "indépendants, achats responsables)",
        "GEIQ": "prospecter les entreprises de ces secteurs (nouvelles entreprises "
        "adhérentes, alternance)",
        TERRITOIRE: "mobiliser les entreprises de ces secteurs (clauses sociales, achats "
        "responsables, recrutement)",
    },
}

#: audience -> the actions it can take (derived from :data:`ACTIONS`).
ALLOWED: Mapping[str, frozenset[str]] = {
    aud: frozenset(a for a, texts in ACTIONS.items() if aud in texts) for aud in AUDIENCES
}


def audience(type_siae: str | None) -> str:
    """The audience of the préconisations: the structure's type, or :data:`TERRITOIRE`.

    >>> audience("AI"), audience(None)
    ('AI', 'territoire')
    """
    if type_siae is None or type_siae == TERRITOIRE:
        return TERRITOIRE
    if type_siae not in ARTICLES:
        raise ValueError(
            f"Type de structure « {type_siae} » inconnu : choisissez parmi "
            f"{', '.join(STRUCTURES)}."
        )
    return type_siae


def with_article(
    types: list[str] | tuple[str, ...], *, negative: bool = False, de: bool = False
) -> str:
    """« une ETTI », « un ACI ou une ETTI », « aucun ACI ni aucune ETTI », « d'un ACI ou d'une
    ETTI » (``de``).

    >>> with_article(["ACI", "ETTI"]), with_article(["ACI", "ETTI"], de=True)
    ('un ACI ou une ETTI', "d'un ACI ou d'une ETTI")
    """
    k = 1 if negative else 0
    pre = "d'" if de else ""
    words = [f"{pre}{ARTICLES.get(t, ('un', 'aucun'))[k]} {t}" for t in types]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {'ni' if negative else 'ou'} {words[-1]}"


def can(aud: str, action: str) -> bool:
    """Whether the audience can take the action (:data:`ALLOWED`)."""
    return action in ALLOWED.get(aud, frozenset())


def action_text(action: str, aud: str, **fields: str) -> str:
    """The sentence of ``action`` for the audience ``aud`` (``fields`` fill ``{types}``).

    Raises :class:`ValueError` for an action the audience cannot take.
    """
    texts = ACTIONS.get(action, {})
    if aud not in texts:
        raise ValueError(f"Action « {action} » hors du champ de « {aud} ».")
    return texts[aud].format(**{"types": "", **fields})
