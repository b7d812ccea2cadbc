"""The declarative tables of the base's indicators: source columns, keys, labels, units, sources.

A table module (long by design): :mod:`coodiag.base.indicators` builds the indicator tables of
the base from these specs, and :func:`metadata_rows` turns them into one row of metadata per
indicator column (the ``indicateurs_meta`` table, read through
:class:`coodiag.base.indicators.Indicator`). All texts are French.

Suggested base table names: see :data:`TABLES`.
"""

from __future__ import annotations

#: Base table name of each table built here.
TABLES = {
    "commune": "indicateurs_communes",
    "ze": "indicateurs_zones_emploi",
    "france": "indicateurs_france",
    "departement": "indicateurs_departements",
    "de_mensuel": "demandeurs_emploi_mensuel",
    "siae_mensuel": "beneficiaires_siae_mensuel",
    "metadata": "indicateurs_meta",
}

#: Départements of the commune indicator table: Normandie and Île-de-France.
NORMANDIE = ("14", "27", "50", "61", "76")
ILE_DE_FRANCE = ("75", "77", "78", "91", "92", "93", "94", "95")
COMMUNE_DEPARTEMENTS = NORMANDIE + ILE_DE_FRANCE

#: An IRIS aggregate is given only when the IRIS holding a value hold at least this share of the
#: commune's population (IRIS values can be secret).
IRIS_MIN_COVERAGE = 0.9

_SRC_RP21 = (
    "INSEE, recensement de la population 2021 (fichier communal Normandie et Île-de-France "
    "d'un projet open data)"
)
_SRC_FILO21 = "INSEE, Filosofi 2021 (fichier communal Normandie et Île-de-France)"
#: Short names of the national files (``codes_non_rattaches.source``).
SRC_RP21_FRANCE_SHORT = "recensement 2021 national (COG 2024)"
SRC_FILO21_FRANCE_SHORT = "Filosofi 2021 national (COG 2024)"
#: Values of ``source_rp21`` and ``source_filosofi21``: (regional file, national file).
SOURCE_LABELS_RP21 = (
    "fichier Normandie et Île-de-France",
    "fichier national (comparateur de territoires, juin 2024, valeurs arrondies)",
)
_SHARED_SPLITS = (
    "commune scindée depuis le millésime de la source (Neussargues-en-Pinatelle, 15141, en 2025 ; "
    "60054 et 85084 depuis 2021) : ses effectifs sont répartis entre les communes qui en sont "
    "issues au prorata de leur population (découpage administratif Etalab, édition 2026) — "
    "valeurs estimées"
)
_SHARED_SPLITS_RP21 = (
    "Neussargues-en-Pinatelle (15141), scindée en 2025 en cinq communes, est répartie au "
    "prorata de leur population (découpage administratif Etalab, édition 2026) ; Les "
    "Hauts-Talican (60694), L'Oie (85165) et Sainte-Florence (85212), créées en 2024, ont dans "
    "les fichiers nationaux leur population mais des effectifs détaillés nuls ou absents, "
    "restés à la commune d'origine (60054, 85084) : ceux-ci sont répartis entre elles au "
    "prorata de la population 2021 (recensement) ou de la population Etalab (Filosofi), "
    "médianes et taux recopiés"
)
#: Appended to ``source_rp21`` / ``source_filosofi21`` of the successors of a split commune.
SHARED_SPLIT_NOTE = (
    "valeurs estimées : commune issue d'une scission, part de l'ancienne commune au prorata de "
    "la population"
)
SOURCE_LABELS_FILO21 = (
    "fichier Normandie et Île-de-France",
    "fichier national INSEE (cc_filosofi_2021_COM)",
)
_SRC_RP21_BOTH = (
    "INSEE, recensement de la population 2021 : fichier communal Normandie et Île-de-France "
    "d'un projet open data ; ailleurs, fichier national dérivé du comparateur de territoires "
    "INSEE (juin 2024, valeurs arrondies à l'unité) — voir source_rp21 pour chaque commune"
)
_SRC_FILO21_BOTH = (
    "INSEE, Filosofi 2021 : fichier communal Normandie et Île-de-France ; ailleurs, base "
    "communale nationale INSEE (cc_filosofi_2021_COM) — voir source_filosofi21 pour chaque "
    "commune"
)
_SRC_ET21 = "INSEE, Flores 2021 : établissements actifs (fichier communal Normandie et IDF)"
_SRC_IRIS22 = "INSEE, recensement de la population 2022 à l'IRIS (agrégats d'un observatoire)"
_SRC_DE_COM = (
    "France Travail, via l'outil d'analyse de l'offre du GIP de la plateforme de l'inclusion"
)
#: What the per-commune job-seeker file (``de_2024``) is, as far as the file says: the one text
#: written wherever the figure appears (key figures, legends, method pages, XLSX). The file
#: states neither the categories (its totals, about 1/1.15 of the monthly A-to-E-like series,
#: fit A, B, C) nor the date (its commune codes mix the COG 2023 and 2024: no vintage dates it).
#: No guessed date.
JOB_SEEKERS_CATEGORY = "catégories non indiquées par la source, probablement A, B, C"
JOB_SEEKERS_DATE = "date non indiquée par la source"
JOB_SEEKERS_SOURCE = _SRC_DE_COM
JOB_SEEKERS = (
    f"demandeurs d'emploi inscrits à France Travail ({JOB_SEEKERS_CATEGORY} ; "
    f"{JOB_SEEKERS_DATE})"
)
_SRC_DE_MENS = "France Travail, demandeurs d'emploi inscrits en fin de mois (séries mensuelles)"
_SRC_TERR = (
    "INSEE (RP 2022, Filosofi 2021, Flores, Sirene), indicateurs par territoire d'un "
    "observatoire open data"
)
_SRC_BARO = (
    "Gouvernement, baromètre des résultats de l'action publique (Pacte d'ambition pour l'IAE)"
)

_COG_2023 = "codes COG 2023 convertis en COG 2025 (coodiag.reference.cog : effectifs additionnés"
_COG_2024 = "codes COG 2024 convertis en COG 2025 (coodiag.reference.cog : effectifs additionnés"
_COG_RATE = ", taux recalculés ou repondérés)"
_SECRET = "0 de la source sous secret statistique remplacé par une valeur manquante"
_MISSING_PARTS = (
    "communes fusionnées ou renumérotées au 1er janvier 2025 : les fichiers IRIS et zonages "
    "n'ont que la partie principale ; chaque partie absente reçoit une estimation, l'écart "
    "entre la population 2022 du département (fichier départemental, P22_POP) et la somme des "
    "communes présentes, réparti au prorata de la population 2021 des parties absentes "
    "(fichier national du recensement 2021) : sommes départementales exactes, valeur de la "
    "partie estimée (coodiag.base.population)"
)
_IRIS_POP = (
    "moyenne pondérée par la population des IRIS — approximative pour les taux dont le "
    "dénominateur n'est pas la population"
)


# ----------------------------------------------------------------- commune table: census 2021

#: Census 2021 counts: source column -> (key, label, unit).
RP21_COUNTS = {
    "P21_POP": ("p21_pop", "Population municipale 2021", "personnes"),
    "P15_POP": ("p15_pop", "Population municipale 2015", "personnes"),
    "P21_POP1564": ("p21_pop1564", "Population de 15 à 64 ans", "personnes"),
    "P21_ACT1564": ("p21_act1564", "Actifs de 15 à 64 ans", "personnes"),
    "P21_CHOM1564": ("p21_chom1564", "Chômeurs de 15 à 64 ans (recensement)", "personnes"),
    "P21_EMPLT": ("p21_emplt", "Emplois au lieu de travail", "emplois"),
    "P21_EMPLT_SAL": ("p21_emplt_sal", "Emplois salariés au lieu de travail", "emplois"),
    "P21_MEN": ("p21_men", "Ménages", "ménages"),
    "P21_LOG": ("p21_log", "Logements", "logements"),
    "P21_RP": ("p21_rp", "Résidences principales", "logements"),
    "P21_LOGVAC": ("p21_logvac", "Logements vacants", "logements"),
    "SUPERF": ("superf", "Superficie", "km²"),
}
_RP21_COUNT_VINTAGE = "RP 2021"

#: Census columns the national file also holds: its column (loader name) -> key.
RP21_FRANCE = {
    "P21_POP": "p21_pop",
    "P15_POP": "p15_pop",
    "P21_MEN": "p21_men",
    "P21_POP1564": "p21_pop1564",
    "P21_ACT1564": "p21_act1564",
    "P21_CHOM1564": "p21_chom1564",
    "SUPERF": "superf",
}

FILO21_COUNTS = {
    "NBMENFISC21": ("nbmenfisc21", "Ménages fiscaux", "ménages"),
}
#: Filosofi rates: source column -> (key, label, unit, numerator, denominator, scale).
FILO21_RATES = {
    "MED21": (
        "med21", "Revenu disponible médian par unité de consommation", "€",
        "médiane du revenu disponible par unité de consommation", "", 1.0,
    ),
    "TP6021": (
        "tp6021", "Taux de pauvreté au seuil de 60 %", "%",
        "personnes des ménages fiscaux sous le seuil de pauvreté",
        "personnes des ménages fiscaux", 100.0,
    ),
    "PIMP21": (
        "pimp21", "Part des ménages fiscaux imposés", "%",
        "ménages fiscaux imposés", "ménages fiscaux", 1.0,
    ),
}  # fmt: skip

#: National Filosofi 2021 columns: source column -> (key, weight key for a merged commune;
#: None for a count). ``nbpersmenfisc21`` is a weight only, not a column of the table.
FILO21_FRANCE = {
    "NBMENFISC21": ("nbmenfisc21", None),
    "NBPERSMENFISC21": ("nbpersmenfisc21", None),
    "MED21": ("med21", "nbmenfisc21"),
    "PIMP21": ("pimp21", "nbmenfisc21"),
    "TP6021": ("tp6021", "nbpersmenfisc21"),
}
#: Keys of the Filosofi 2021 columns of the commune table.
FILO21_KEYS = ("nbmenfisc21", "med21", "tp6021", "pimp21")

ET21_COUNTS = {
    "ETTOT21": ("ettot21", "Établissements actifs, tous secteurs"),
    "ETAZ21": ("etaz21", "Établissements de l'agriculture, sylviculture et pêche"),
    "ETBE21": ("etbe21", "Établissements de l'industrie"),
    "ETFZ21": ("etfz21", "Établissements de la construction"),
    "ETGU21": ("etgu21", "Établissements du commerce, des transports et des services divers"),
    "ETGZ21": ("etgz21", "Établissements du commerce et de la réparation automobile"),
    "ETOQ21": (
        "etoq21",
        "Établissements de l'administration publique, enseignement, santé et action sociale",
    ),
    "ETTEF121": ("ettef121", "Établissements de 1 à 9 salariés"),
    "ETTEFP1021": ("ettefp1021", "Établissements de 10 salariés ou plus"),
}

#: Rates derived from the converted census counts: key -> (label, unit, num, den, num col,
#: den col, factor).
RP21_DERIVED = {
    "tx_chom1564_21": (
        "Taux de chômage des 15-64 ans (recensement)", "%",
        "chômeurs de 15 à 64 ans", "population active de 15 à 64 ans",
        "p21_chom1564", "p21_act1564", 100.0,
    ),
    "tx_act1564_21": (
        "Taux d'activité des 15-64 ans", "%",
        "actifs de 15 à 64 ans", "population de 15 à 64 ans",
        "p21_act1564", "p21_pop1564", 100.0,
    ),
    "part_emplt_sal_21": (
        "Part des emplois salariés parmi les emplois au lieu de travail", "%",
        "emplois salariés au lieu de travail (P21_EMPLT_SAL)",
        "emplois au lieu de travail (P21_EMPLT), pas les actifs résidents",
        "p21_emplt_sal", "p21_emplt", 100.0,
    ),
    "tx_logvac_21": (
        "Taux de logements vacants", "%", "logements vacants", "logements",
        "p21_logvac", "p21_log", 100.0,
    ),
    "densite_pop_21": (
        "Densité de population", "habitants par km²", "population municipale 2021",
        "superficie (km²)", "p21_pop", "superf", 1.0,
    ),
    "evol_pop_1521": (
        "Évolution de la population 2015-2021", "%",
        "population 2021 moins population 2015", "population 2015",
        "p21_pop", "p15_pop", 100.0,
    ),
}  # fmt: skip

# ----------------------------------------------------------------- commune table: 2018

_SRC_CC22 = (
    "INSEE, comparateur de territoires, édition 2022 (base_cc_comparateur : recensement 2018, "
    "établissements Sirene 2018), France entière"
)
SRC_CC22_SHORT = "comparateur 2022 (COG 2021)"
_COG_2021 = (
    "codes COG 2021 convertis en COG 2025 (coodiag.reference.cog : effectifs additionnés, "
    "manquants si une partie est vide ou secrète)"
)

#: Census 2018 counts of the comparateur 2022: source column -> (key, label, unit).
RP18_COUNTS = {
    "P18_POP": ("p18_pop", "Population municipale 2018", "personnes"),
    "P18_POP1564": ("p18_pop1564", "Population de 15 à 64 ans en 2018", "personnes"),
    "P18_ACT1564": ("p18_act1564", "Actifs de 15 à 64 ans en 2018", "personnes"),
    "P18_CHOM1564": ("p18_chom1564", "Chômeurs de 15 à 64 ans en 2018 (recensement)",
                     "personnes"),
    "P18_EMPLT": ("p18_emplt", "Emplois au lieu de travail en 2018", "emplois"),
    "P18_EMPLT_SAL": ("p18_emplt_sal", "Emplois salariés au lieu de travail en 2018", "emplois"),
}  # fmt: skip

#: Establishments 2018 by sector (comparateur 2022): source column -> (key, label).
ET18_COUNTS = {
    "ETTOT18": ("ettot18", "Établissements actifs en 2018, tous secteurs"),
    "ETAZ18": ("etaz18", "Établissements de l'agriculture, sylviculture et pêche en 2018"),
    "ETBE18": ("etbe18", "Établissements de l'industrie en 2018"),
    "ETFZ18": ("etfz18", "Établissements de la construction en 2018"),
    "ETGU18": ("etgu18", "Établissements du commerce, des transports et des services divers en "
               "2018"),
    "ETGZ18": ("etgz18", "Établissements du commerce et de la réparation automobile en 2018"),
    "ETOQ18": ("etoq18", "Établissements de l'administration publique, enseignement, santé et "
               "action sociale en 2018"),
}  # fmt: skip

#: Rates and evolutions computed from the 2018 and 2021 counts: key -> (label, unit, num,
#: den, formula, vintage). ``formula`` is the French text of the computation.
RP18_DERIVED = {
    "tx_chom1564_18": (
        "Taux de chômage des 15-64 ans en 2018 (recensement)", "%",
        "chômeurs de 15 à 64 ans en 2018", "population active de 15 à 64 ans en 2018",
        "p18_chom1564 / p18_act1564 × 100", "RP 2018",
    ),
    "evol_pop_1821": (
        "Évolution de la population 2018-2021", "%",
        "population 2021 moins population 2018", "population 2018",
        "(p21_pop − p18_pop) / p18_pop × 100", "évolution 2018-2021 (RP 2018 et RP 2021)",
    ),
    "evol_chom1564_1821": (
        "Évolution du nombre de chômeurs de 15 à 64 ans 2018-2021", "%",
        "chômeurs 2021 moins chômeurs 2018", "chômeurs de 15 à 64 ans en 2018",
        "(p21_chom1564 − p18_chom1564) / p18_chom1564 × 100",
        "évolution 2018-2021 (RP 2018 et RP 2021)",
    ),
    "evol_tx_chom1564_1821": (
        "Évolution du taux de chômage des 15-64 ans 2018-2021", "points de %",
        "taux de chômage 2021 moins taux de chômage 2018", "",
        "tx_chom1564_21 − tx_chom1564_18, en points", "évolution 2018-2021 (RP 2018 et RP 2021)",
    ),
}  # fmt: skip

# ----------------------------------------------------------------- commune table: IRIS 2022

#: IRIS weights, rebuilt from the population and its age structure: name -> (label for the
#: method text).
_IRIS_WEIGHTS = {
    "pop": "la population",
    "pop1524": "la population de 15 à 24 ans (reconstituée : population × part des 15-24 ans)",
    "pop2554": "la population de 25 à 54 ans (reconstituée : population × part des 25-54 ans)",
    "pop5564": "la population de 55 à 64 ans (reconstituée : population × part des 55-64 ans)",
    "pop1564": "la population de 15 à 64 ans (reconstituée à partir des parts par âge)",
    "pop15p": "la population de 15 ans ou plus (reconstituée : population − 0-14 ans)",
    "pop5579": "la population de 55 à 79 ans (reconstituée à partir des parts par âge)",
    "pop80p": "la population de 80 ans ou plus (reconstituée : population × part des 80 ans+)",
    "men": "le nombre de ménages",
    "act1564": "la population active de 15 à 64 ans (reconstituée : le dénominateur du taux "
               "publié, actifs de l'exploitation complémentaire, vaut chômeurs ÷ taux de l'IRIS ;"
               " chômeurs = somme sur les tranches 15-24, 25-54 et 55-64 ans de population × "
               "taux d'emploi ÷ (1 − taux de chômage) × taux de chômage ; à défaut population de "
               "15 à 64 ans × taux d'emploi ÷ (1 − taux de chômage))",
    "act1524": "la population active de 15 à 24 ans (reconstituée : population de 15 à 24 ans "
               "× taux d'emploi ÷ (1 − taux de chômage))",
    "act2554": "la population active de 25 à 54 ans (reconstituée : population de 25 à 54 ans "
               "× taux d'emploi ÷ (1 − taux de chômage))",
    "act5564": "la population active de 55 à 64 ans (reconstituée : population de 55 à 64 ans "
               "× taux d'emploi ÷ (1 − taux de chômage))",
}  # fmt: skip

#: IRIS shares and rates: source column -> (key, label, numerator, denominator, weight, exact).
#: ``exact`` is True when the weight is the rate's own denominator (the aggregate is then the
#: commune's rate, up to rounding).
IRIS_RATES = {
    "dm_0014_pct_22": ("part_0014_22", "Part des 0-14 ans", "personnes de 0 à 14 ans",
                       "population", "pop", True),
    "dm_1524_pct_22": ("part_1524_22", "Part des 15-24 ans", "personnes de 15 à 24 ans",
                       "population", "pop", True),
    "dm_2554_pct_22": ("part_2554_22", "Part des 25-54 ans", "personnes de 25 à 54 ans",
                       "population", "pop", True),
    "dm_5564_pct_22": ("part_5564_22", "Part des 55-64 ans", "personnes de 55 à 64 ans",
                       "population", "pop", True),
    "dm_6579_pct_22": ("part_6579_22", "Part des 65-79 ans", "personnes de 65 à 79 ans",
                       "population", "pop", True),
    "dmv_75p_pct_22": ("part_75p_22", "Part des 75 ans ou plus", "personnes de 75 ans ou plus",
                       "population", "pop", True),
    "dm_80p_pct_22": ("part_80p_22", "Part des 80 ans ou plus", "personnes de 80 ans ou plus",
                      "population", "pop", True),
    "dmv_5579_seul_pct_22": ("part_seul_5579_22", "Part des 55-79 ans vivant seuls",
                             "personnes de 55 à 79 ans vivant seules",
                             "population de 55 à 79 ans", "pop5579", True),
    "dmv_80p_seul_pct_22": ("part_seul_80p_22", "Part des 80 ans ou plus vivant seuls",
                            "personnes de 80 ans ou plus vivant seules",
                            "population de 80 ans ou plus", "pop80p", True),
    "men_seul_pct_22": ("part_men_seul_22", "Part des ménages d'une personne",
                        "ménages d'une personne", "ménages", "men", True),
    "men_mono_pct_22": ("part_men_mono_22", "Part des familles monoparentales",
                        "ménages de famille monoparentale", "ménages", "men", True),
    "log_lochlm_pct_22": ("part_hlm_22", "Part des résidences principales louées HLM",
                          "résidences principales louées vides HLM", "résidences principales",
                          "men", True),
    "soc_txchom_1564_22": ("tx_chom1564_22", "Taux de chômage des 15-64 ans (recensement)",
                           "chômeurs de 15 à 64 ans", "population active de 15 à 64 ans",
                           "act1564", True),
    "soc_txchom_1524_22": ("tx_chom1524_22", "Taux de chômage des 15-24 ans (recensement)",
                           "chômeurs de 15 à 24 ans", "population active de 15 à 24 ans",
                           "act1524", True),
    "soc_txchom_2554_22": ("tx_chom2554_22", "Taux de chômage des 25-54 ans (recensement)",
                           "chômeurs de 25 à 54 ans", "population active de 25 à 54 ans",
                           "act2554", True),
    "soc_txchom_5564_22": ("tx_chom5564_22", "Taux de chômage des 55-64 ans (recensement)",
                           "chômeurs de 55 à 64 ans", "population active de 55 à 64 ans",
                           "act5564", True),
    "eco_txemp_1564_22": ("tx_emp1564_22", "Taux d'emploi des 15-64 ans",
                          "personnes de 15 à 64 ans ayant un emploi",
                          "population de 15 à 64 ans", "pop1564", True),
    "dsp_csp_agri_pct_22": ("part_csp_agri_22", "Part des agriculteurs exploitants",
                            "agriculteurs exploitants", "population de 15 ans ou plus",
                            "pop15p", False),
    "dsp_csp_artis_pct_22": ("part_csp_artis_22", "Part des artisans, commerçants, chefs "
                             "d'entreprise", "artisans, commerçants, chefs d'entreprise",
                             "population de 15 ans ou plus", "pop15p", False),
    "dsp_csp_cadres_pct_22": ("part_csp_cadres_22", "Part des cadres et professions "
                              "intellectuelles supérieures", "cadres",
                              "population de 15 ans ou plus", "pop15p", False),
    "dsp_csp_profint_pct_22": ("part_csp_profint_22", "Part des professions intermédiaires",
                               "professions intermédiaires", "population de 15 ans ou plus",
                               "pop15p", False),
    "dsp_csp_employes_pct_22": ("part_csp_employes_22", "Part des employés", "employés",
                                "population de 15 ans ou plus", "pop15p", False),
    "dsp_csp_ouvriers_pct_22": ("part_csp_ouvriers_22", "Part des ouvriers", "ouvriers",
                                "population de 15 ans ou plus", "pop15p", False),
    "dsp_csp_retraites_pct_22": ("part_csp_retraites_22", "Part des retraités", "retraités",
                                 "population de 15 ans ou plus", "pop15p", False),
    "dsp_csp_inactifs_pct_22": ("part_csp_inactifs_22", "Part des autres personnes sans "
                                "activité professionnelle", "autres personnes sans activité "
                                "professionnelle", "population de 15 ans ou plus",
                                "pop15p", False),
    "dsp_dipl_infbac_pct_22": ("part_dipl_infbac_22", "Part des non-diplômés ou diplômés "
                               "d'un niveau inférieur au bac", "personnes sans diplôme ou de "
                               "niveau inférieur au bac", "population non scolarisée de 15 ans "
                               "ou plus", "pop15p", False),
    "dsp_dipl_bacbac2_pct_22": ("part_dipl_bacbac2_22", "Part des diplômés du bac à bac+2",
                                "diplômés du bac à bac+2", "population non scolarisée de 15 "
                                "ans ou plus", "pop15p", False),
    "dsp_dipl_supbac2_pct_22": ("part_dipl_supbac2_22", "Part des diplômés du supérieur "
                                "(au-delà de bac+2)", "diplômés au-delà de bac+2",
                                "population non scolarisée de 15 ans ou plus", "pop15p",
                                False),
}  # fmt: skip

IRIS_COUNTS = {
    "P22_POP": ("p22_pop", "Population municipale 2022 (somme des IRIS)", "personnes"),
    "men_tot_stock_22": ("p22_men", "Ménages 2022 (somme des IRIS)", "ménages"),
}

# ----------------------------------------------------------------- ze and département tables

#: Territory indicators (same keys in the ze and département tables): source column ->
#: (label, unit, numerator, denominator, vintage).
TERRITORY = {
    "n_communes": ("Nombre de communes", "communes", "", "", "COG 2023"),
    "P22_POP": ("Population municipale 2022", "personnes", "", "", "RP 2022"),
    "P23_POP": ("Population municipale 2023", "personnes", "", "", "RP 2023"),
    "dens3": ("Grille communale de densité (1 dense, 2 intermédiaire, 3 peu dense)", "classe",
              "", "", "grille de densité INSEE"),
    "dm_pop_vtcam_1622": ("Évolution annuelle moyenne de la population 2016-2022", "% par an",
                          "variation de la population", "population 2016", "RP 2016-2022"),
    "dmv_75p_pct_22": ("Part des 75 ans ou plus", "%", "personnes de 75 ans ou plus",
                       "population", "RP 2022"),
    "dmv_iv_ind_22": ("Indice de vieillissement", "personnes de 65 ans ou plus pour 100 de "
                      "moins de 20 ans", "personnes de 65 ans ou plus",
                      "personnes de moins de 20 ans", "RP 2022"),
    "dmv_6579_seul_pct_22": ("Part des 65-79 ans vivant seuls", "%",
                             "personnes de 65 à 79 ans vivant seules",
                             "population de 65 à 79 ans", "RP 2022"),
    "dmv_80p_seul_pct_22": ("Part des 80 ans ou plus vivant seuls", "%",
                            "personnes de 80 ans ou plus vivant seules",
                            "population de 80 ans ou plus", "RP 2022"),
    "soc_txchom_1564_22": ("Taux de chômage des 15-64 ans (recensement)", "%",
                           "chômeurs de 15 à 64 ans", "population active de 15 à 64 ans",
                           "RP 2022"),
    "eco_txemp_1564_22": ("Taux d'emploi des 15-64 ans", "%",
                          "personnes de 15 à 64 ans ayant un emploi",
                          "population de 15 à 64 ans", "RP 2022"),
    "eco_sal_pct_22": ("Part des salariés parmi les actifs occupés (lieu de résidence)", "%",
                       "actifs occupés salariés résidant dans le territoire",
                       "actifs occupés résidant dans le territoire (lieu de résidence, pas "
                       "emplois au lieu de travail)", "RP 2022"),
    "eco_sectagri_pct_22": ("Part de l'agriculture dans l'emploi", "%",
                            "emplois de l'agriculture", "emplois au lieu de travail", "RP 2022"),
    "eco_sectindus_pct_22": ("Part de l'industrie dans l'emploi", "%",
                             "emplois de l'industrie", "emplois au lieu de travail", "RP 2022"),
    "eco_sectconst_pct_22": ("Part de la construction dans l'emploi", "%",
                             "emplois de la construction", "emplois au lieu de travail",
                             "RP 2022"),
    "eco_sectservi_pct_22": ("Part du commerce, des transports et des services dans l'emploi",
                             "%", "emplois du commerce, des transports et services divers",
                             "emplois au lieu de travail", "RP 2022"),
    "eco_sectadmin_pct_22": ("Part de l'administration, l'enseignement, la santé et l'action "
                             "sociale dans l'emploi", "%", "emplois de l'administration "
                             "publique, enseignement, santé, action sociale",
                             "emplois au lieu de travail", "RP 2022"),
    "eco_emppriv_vtcam_1924": ("Évolution annuelle moyenne de l'emploi salarié privé "
                               "2019-2024", "% par an", "variation de l'emploi salarié privé",
                               "emploi salarié privé 2019", "2019-2024"),
    "dsp_csp_cadres_pct_22": ("Part des cadres et professions intellectuelles supérieures",
                              "%", "cadres", "population de 15 ans ou plus", "RP 2022"),
    "dsp_csp_ouvriers_pct_22": ("Part des ouvriers", "%", "ouvriers",
                                "population de 15 ans ou plus", "RP 2022"),
    "dsp_csp_retraites_pct_22": ("Part des retraités", "%", "retraités",
                                 "population de 15 ans ou plus", "RP 2022"),
    "dsp_dipl_infbac_pct_22": ("Part des non-diplômés ou diplômés d'un niveau inférieur au bac",
                               "%", "personnes sans diplôme ou de niveau inférieur au bac",
                               "population non scolarisée de 15 ans ou plus", "RP 2022"),
    "dsp_dipl_supbac2_pct_22": ("Part des diplômés du supérieur (au-delà de bac+2)", "%",
                                "diplômés au-delà de bac+2",
                                "population non scolarisée de 15 ans ou plus", "RP 2022"),
    "men_mono_pct_22": ("Part des familles monoparentales", "%",
                        "ménages de famille monoparentale", "ménages", "RP 2022"),
    "log_vac_pct_22": ("Taux de logements vacants", "%", "logements vacants", "logements",
                       "RP 2022"),
    "log_loc_pct_22": ("Part des résidences principales louées", "%",
                       "résidences principales louées", "résidences principales", "RP 2022"),
    "rev_med_21": ("Revenu disponible médian par unité de consommation", "€",
                   "médiane du revenu disponible par unité de consommation", "",
                   "Filosofi 2021"),
    "rev_d9_21": ("9e décile du revenu disponible par unité de consommation", "€",
                  "9e décile du revenu disponible par unité de consommation", "",
                  "Filosofi 2021"),
    "rev_ird9d1_21": ("Rapport interdécile D9/D1 du revenu disponible", "ratio",
                      "9e décile", "1er décile", "Filosofi 2021"),
    "rev_txpauv_21": ("Taux de pauvreté au seuil de 60 %", "%",
                      "personnes des ménages fiscaux sous le seuil de pauvreté",
                      "personnes des ménages fiscaux", "Filosofi 2021"),
    "rev_prestasoc_21": ("Part des prestations sociales dans le revenu disponible", "%",
                         "prestations sociales", "revenu disponible", "Filosofi 2021"),
}  # fmt: skip

_TERR_METHOD = {
    "ze": (
        "valeur de la source par zone d'emploi 2020 (zones de France métropolitaine) ; la ligne "
        "France est exclue (ses champs de population ne sont pas des totaux nationaux)"
    ),
    "departement": (
        "valeur de la source par département (France métropolitaine) ; la ligne France est "
        "exclue (ses champs de population ne sont pas des totaux nationaux)"
    ),
}



# ----------------------------------------------------------------- metadata


def _row(
    table: str,
    key: str,
    label: str,
    unit: str,
    numerator: str,
    denominator: str,
    source: str,
    vintage: str,
    level: str,
    method: str,
) -> dict[str, str]:
    return {
        "table": table,
        "key": key,
        "label": label,
        "unit": unit,
        "numerator": numerator,
        "denominator": denominator,
        "source": source,
        "vintage": vintage,
        "level": level,
        "method": method,
    }


def metadata_rows() -> list[dict[str, str]]:
    """One row per indicator column of every table of :data:`TABLES`, in the column order of
    ``indicateurs_meta`` (``table, key, label, unit, numerator, denominator, source, vintage,
    level, method``)."""
    t_com = TABLES["commune"]
    rows: list[dict[str, str]] = []
    conv23 = _COG_2023 + _COG_RATE
    conv24 = _COG_2024 + _COG_RATE
    national = set(RP21_FRANCE.values())
    for src, (key, label, unit) in RP21_COUNTS.items():
        vintage = "RP 2015" if key == "p15_pop" else _RP21_COUNT_VINTAGE
        if key in national:
            rows.append(_row(t_com, key, label, unit, "", "", _SRC_RP21_BOTH, vintage, "commune",
                             f"effectif de la source ({src}) : fichier Normandie et "
                             f"Île-de-France ({conv23}) là où il a la commune, sinon fichier "
                             f"national arrondi ({conv24}) ; source par commune : source_rp21"))
        else:
            rows.append(_row(t_com, key, label, unit, "", "", _SRC_RP21, vintage, "commune",
                             f"effectif de la source ({src}) ; Normandie et Île-de-France "
                             f"seulement ; {conv23}"))
    _both = (
        "fichier Normandie et Île-de-France là où il a la commune, sinon base nationale INSEE "
        "(« s » secret ou « nd » non disponible : valeur manquante) ; source par commune : "
        "source_filosofi21"
    )
    for src, (key, label, unit) in FILO21_COUNTS.items():
        rows.append(_row(t_com, key, label, unit, "", "", _SRC_FILO21_BOTH, "Filosofi 2021",
                         "commune", f"effectif de la source ({src}) ; {_both} ; {_SECRET} ; "
                         f"{conv23} ; base nationale : {conv24}"))
    for src, (key, label, unit, num, den, scale) in FILO21_RATES.items():
        scaled = " ; proportion du fichier régional multipliée par 100" if scale != 1.0 else ""
        weight = "personnes des ménages fiscaux" if key == "tp6021" else "ménages fiscaux"
        rows.append(_row(
            t_com, key, label, unit, num, den, _SRC_FILO21_BOTH, "Filosofi 2021", "commune",
            f"valeur de la source ({src}){scaled} ; {_both} ; {_SECRET} ; codes COG 2023 "
            "(fichier régional) ou COG 2024 (base nationale) convertis en COG 2025 : valeur "
            f"repondérée par les {weight} (par les ménages fiscaux pour le fichier régional) "
            "pour une commune fusionnée — approximative pour une médiane —, manquante si une "
            "partie est secrète",
        ))
    for src, (key, label) in ET21_COUNTS.items():
        rows.append(_row(t_com, key, label, "établissements", "", "", _SRC_ET21,
                              "Flores 2021", "commune",
                              f"effectif de la source ({src}) ; {conv23}"))
    for key, (label, unit, num, den, ncol, dcol, _f) in RP21_DERIVED.items():
        both = ncol in national and dcol in national
        formula = f"({ncol} − {dcol}) / {dcol} × 100" if key == "evol_pop_1521" else (
            f"{ncol} / {dcol}" + (" × 100" if unit == "%" else ""))
        vintage = "RP 2015 et RP 2021" if key == "evol_pop_1521" else "RP 2021"
        rows.append(_row(
            t_com, key, label, unit, num, den, _SRC_RP21_BOTH if both else _SRC_RP21, vintage,
            "commune",
            f"calculé par coodiag : {formula}, après conversion des effectifs en COG 2025"
            + (" ; source par commune : source_rp21" if both else
               " ; Normandie et Île-de-France seulement"),
        ))
    for src, (key, label, unit) in RP18_COUNTS.items():
        rows.append(_row(t_com, key, label, unit, "", "", _SRC_CC22, "RP 2018", "commune",
                         f"effectif de la source ({src}), France entière ; {_COG_2021} ; "
                         + _SHARED_SPLITS))
    for src, (key, label) in ET18_COUNTS.items():
        rows.append(_row(t_com, key, label, "établissements", "", "", _SRC_CC22,
                         "Sirene 2018 (établissements actifs au 31 décembre 2018)", "commune",
                         f"effectif de la source ({src}), France entière ; case vide (secret "
                         f"ou non disponible) : valeur manquante ; {_COG_2021} ; "
                         + _SHARED_SPLITS))
    for key, (label, unit, num, den, formula, vintage) in RP18_DERIVED.items():
        rows.append(_row(
            t_com, key, label, unit, num, den,
            _SRC_CC22 if key == "tx_chom1564_18" else f"{_SRC_CC22} ; {_SRC_RP21_BOTH}",
            vintage, "commune",
            f"calculé par coodiag : {formula}, sur les effectifs convertis en COG 2025 ; "
            "valeur manquante si un effectif l'est ou si le dénominateur est nul"
            + ("" if key == "tx_chom1564_18" else
               " ; les effectifs 2021 viennent du fichier indiqué par source_rp21"),
        ))
    rows.append(_row(
        t_com, "source_rp21", "Fichier source du recensement 2021 de la commune", "texte", "",
        "", _SRC_RP21_BOTH, "RP 2021", "commune",
        f"« {SOURCE_LABELS_RP21[0]} » : communes de Normandie et d'Île-de-France (fichier le "
        f"plus complet : emplois, logements) ; « {SOURCE_LABELS_RP21[1]} » : toutes les autres "
        "communes ; vide : commune absente des deux fichiers ; suivi de « " + SHARED_SPLIT_NOTE
        + " » pour une commune scindée depuis le millésime du fichier : " + _SHARED_SPLITS_RP21,
    ))
    rows.append(_row(
        t_com, "source_filosofi21", "Fichier source de Filosofi 2021 de la commune", "texte", "",
        "", _SRC_FILO21_BOTH, "Filosofi 2021", "commune",
        f"« {SOURCE_LABELS_FILO21[0]} » : communes de Normandie et d'Île-de-France dont le "
        f"fichier régional donne les ménages fiscaux ; « {SOURCE_LABELS_FILO21[1]} » : les "
        "autres communes de la base nationale ; vide : commune absente des deux fichiers (dont "
        "la Guadeloupe, la Guyane et Mayotte) ; suivi de « " + SHARED_SPLIT_NOTE + " » pour une "
        "commune scindée depuis le millésime du fichier : " + _SHARED_SPLITS_RP21,
    ))
    for src, (key, label, unit) in IRIS_COUNTS.items():
        rows.append(_row(t_com, key, label, unit, "", "", _SRC_IRIS22, "RP 2022",
                              "commune", f"somme des IRIS de la commune ({src}) ; Normandie "
                              f"seulement ; {conv24} ; {_MISSING_PARTS}"
                              + (" (ménages : ménages 2021 × le même rapport)"
                                 if key == "p22_men" else "")))
    for src, (key, label, num, den, weight, exact) in IRIS_RATES.items():
        if weight == "pop":
            how = _IRIS_POP
        else:
            how = f"moyenne des IRIS pondérée par {_IRIS_WEIGHTS[weight]}"
            how += (
                " — le poids est le dénominateur du taux : valeur exacte aux arrondis près"
                if exact else
                " — approximative : le dénominateur exact du taux n'est pas diffusé à l'IRIS"
            )
            if key.startswith("part_csp_"):
                how += (
                    " ; part approximative : catégories socioprofessionnelles de l'exploitation "
                    "complémentaire du recensement (sondage), pondérées par une population de "
                    "15 ans ou plus reconstituée à partir des parts par âge"
                )
        rows.append(_row(
            t_com, key, label, "%", num, den, _SRC_IRIS22, "RP 2022", "commune",
            f"source {src} ; {how} ; valeur manquante si les IRIS renseignés couvrent moins de "
            f"{IRIS_MIN_COVERAGE:.0%} de la population (y compris les parties de commune "
            f"absentes des fichiers IRIS) ; Normandie seulement ; {conv24}",
        ))
    rows.append(_row(
        t_com, "de_2024", f"Demandeurs d'emploi inscrits ({JOB_SEEKERS_CATEGORY})",
        "personnes", "", "", _SRC_DE_COM, JOB_SEEKERS_DATE,
        "commune",
        "champ « population » de la source (qui contient des demandeurs d'emploi), arrondi à 5 ; "
        "catégories non précisées (probablement A, B, C) ; arrondissements municipaux écartés "
        "(la commune est présente) ; " + _COG_2024 + ")",
    ))
    rows.append(_row(
        t_com, "pop22", "Population municipale 2022 (France métropolitaine)", "personnes", "",
        "", "INSEE, recensement de la population 2022 (somme des IRIS, fichier des zonages "
        "communaux)", "RP 2022", "commune",
        "somme de la population des IRIS de chaque commune (P22_POP) ; arrondissements "
        "municipaux additionnés à leur commune ; DROM absents de la source ; " + _COG_2024 + ") ; "
        + _MISSING_PARTS + " ; " + _SHARED_SPLITS,
    ))
    for level in ("ze", "departement"):
        for src, (label, unit, num, den, vintage) in TERRITORY.items():
            rows.append(_row(TABLES[level], src.lower(), label, unit, num, den, _SRC_TERR,
                                  vintage, level, f"source {src} ; {_TERR_METHOD[level]}"))
    rows.append(_row(
        TABLES["de_mensuel"], "de_mensuel", "Demandeurs d'emploi inscrits en fin de mois",
        "personnes", "", "", _SRC_DE_MENS, "janvier 2020 – décembre 2024",
        "commune, departement, region",
        "arrondi à 10 par la source ; catégories non précisées (probablement A à E : environ "
        "1,15 fois le fichier communal A, B, C) ; communes de 5 000 habitants ou plus "
        "seulement ; départements (sans les Yvelines ni Mayotte) et régions (sans "
        "Provence-Alpes-Côte d'Azur ni Mayotte) ; lignes communales en double supprimées, "
        "copies de la série d'une autre commune écartées, séries restantes d'un même code "
        "additionnées (communes fusionnées) ; " + _COG_2024 + ")",
    ))
    rows.append(_row(
        TABLES["siae_mensuel"], "beneficiaires_siae",
        "Bénéficiaires en structures d'insertion par l'activité économique (SIAE)",
        "personnes", "", "", _SRC_BARO, "janvier 2017 – septembre 2022", "departement",
        "valeur de la source (stock au dernier jour du mois) datée au premier jour du mois",
    ))
    return rows

