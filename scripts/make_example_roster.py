"""Generate Coodiag's FICTITIOUS example roster: salariés of an AI in Avranches, year 2024.

EVERY ROW IS INVENTED. No person, contract or outcome in the output exists: identifiers are
pseudonyms (``S0001``...), places are drawn at random from the communes of the territorial base,
and every attribute is drawn from fixed, hand-set proportions. The file exists to show the import
format and to run the example diagnosis; it must never be read as data about a real structure.

The example structure is an association intermédiaire (AI) in Avranches (Manche, commune 50025,
zone d'emploi 2802 "Avranches"), SIRET 37968077000029 as in the published Coodiag example.

What is drawn (fixed seed, so the output is byte-identical from run to run on the same base):

- ``N_PERSONS`` people, ``N_CONTRACTS`` person-contracts (some people have 2 contracts) active
  during calendar year 2024 (a few began in the second half of 2023);
- residence: exactly ``N_AVRANCHES`` people in Avranches; the others in the Normandie communes
  within ``MAX_KM`` km of Avranches' representative point (Lambert-93), weighted by unemployed
  (``p21_chom1564`` of ``indicateurs_communes``) times ``exp(-d / DECAY_KM)``, and by
  ``OUTSIDE_ZE_WEIGHT`` outside the zone d'emploi of Avranches (an AI works on its territory);
- age in 2024 (``2024 - annee_naissance``) 18-64: ~15 % under 26, ~52 % 26-49, ~33 % 50+;
  ~60 % women; training level skewed to no diploma and CAP-BEP;
- ``public``: exactly 45 % DELD, 30 % BRSA, 8 % RQTH, 10 % QPV (only people living in Avranches
  or Granville, the communes of the area with a quartier prioritaire), JEUNE if under 26, SENIOR
  if 50 or over (ages in 2024), joined with ``|`` in that order;
- contracts of 1 to 12 months; a contract still running on 31/12/2024 has an empty ``date_fin``
  and an empty ``type_sortie``; ended contracts get an outcome near the IAE references (about
  70 % "sorties dynamiques", 30 % "emploi durable").

Usage::

    python scripts/make_example_roster.py [--output PATH]

It prints the number of distinct salariés living in Avranches over the year, and their ratio to
the census count of unemployed people aged 15-64 in Avranches (``p21_chom1564``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from coodiag.base import store

SEED = 2802_2024
YEAR = 2024
AVRANCHES = "50025"
GRANVILLE = "50218"
ZE_AVRANCHES = "2802"
SIRET = "37968077000029"
N_PERSONS = 280
N_CONTRACTS = 350
N_AVRANCHES = 80
MAX_KM = 40.0
DECAY_KM = 9.0
OUTSIDE_ZE_WEIGHT = 0.3
QPV_COMMUNES = (AVRANCHES, GRANVILLE)

COLUMNS = [
    "id_salarie",
    "code_commune",
    "code_postal",
    "commune",
    "annee_naissance",
    "sexe",
    "niveau_formation",
    "public",
    "date_debut",
    "date_fin",
    "type_sortie",
    "siret",
]
LEVELS = ["sans diplôme", "CAP-BEP", "bac", "bac+2", "bac+3 et plus"]
LEVEL_P = [0.30, 0.38, 0.20, 0.07, 0.05]
EXITS = ["emploi durable", "emploi de transition", "sortie positive", "autre"]
EXIT_P = [0.40, 0.18, 0.17, 0.25]
PUBLIC_ORDER = ["DELD", "BRSA", "QPV", "RQTH", "JEUNE", "SENIOR"]

DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent / "examples" / ("salaries_ai_avranches_FICTIF.csv")
)


def candidate_communes() -> pd.DataFrame:
    """Normandie communes within ``MAX_KM`` of Avranches, with population and distance (km)."""
    communes = store.read_level("communes", zone="metro")
    pop = store.read_table("indicateurs_communes")[["code", "p21_pop", "p21_chom1564"]]
    points = communes.set_geometry("point")
    origin = points.loc[points["code"] == AVRANCHES, "point"].iloc[0]
    communes = pd.DataFrame(
        {
            "code": communes["code"].astype(str),
            "nom": communes["nom"].astype(str),
            "reg": communes["reg"].astype(str),
            "ze2020": communes["ze2020"].astype(str),
            "km": points.geometry.distance(origin).to_numpy() / 1000.0,
        }
    ).merge(pop, on="code", how="left")
    near = communes[(communes["km"] <= MAX_KM) & (communes["reg"] == "28")]
    near = near[near["p21_pop"].fillna(0) > 0]
    return near.sort_values("code").reset_index(drop=True)


def draw_residences(rng: np.random.Generator, communes: pd.DataFrame) -> pd.DataFrame:
    others = communes[communes["code"] != AVRANCHES]
    # Weighted by the commune's unemployed (census), so that no small commune gets more
    # salariés than it has unemployed people: the impact figures stay plausible.
    weight = (
        others["p21_chom1564"].fillna(0).to_numpy()
        * np.exp(-others["km"].to_numpy() / DECAY_KM)
        * np.where(others["ze2020"] == ZE_AVRANCHES, 1.0, OUTSIDE_ZE_WEIGHT)
    )
    picks = rng.choice(len(others), size=N_PERSONS - N_AVRANCHES, p=weight / weight.sum())
    chosen = pd.concat(
        [communes[communes["code"] == AVRANCHES]] * N_AVRANCHES + [others.iloc[picks]]
    )
    return chosen.sample(frac=1.0, random_state=rng.integers(2**31)).reset_index(drop=True)


def _exactly(
    rng: np.random.Generator, n: int, share: float, among: np.ndarray | None = None
) -> np.ndarray:
    """A boolean flag set on exactly ``round(share * n)`` people (drawn ``among`` those given)."""
    pool = np.arange(n) if among is None else among
    flag = np.zeros(n, dtype=bool)
    flag[rng.choice(pool, size=min(len(pool), round(share * n)), replace=False)] = True
    return flag


def draw_people(rng: np.random.Generator, communes: pd.DataFrame) -> pd.DataFrame:
    people = draw_residences(rng, communes)
    n = len(people)
    band = rng.choice(3, size=n, p=[0.15, 0.52, 0.33])
    age = np.select(
        [band == 0, band == 1],
        [rng.integers(18, 26, n), rng.integers(26, 50, n)],
        rng.integers(50, 65, n),
    )
    people["annee_naissance"] = YEAR - age
    people["sexe"] = np.where(rng.random(n) < 0.60, "F", "H")
    people["niveau_formation"] = rng.choice(LEVELS, size=n, p=LEVEL_P)
    in_qpv_commune = np.flatnonzero(people["code"].isin(QPV_COMMUNES).to_numpy())
    flags = {
        "DELD": _exactly(rng, n, 0.45),
        "BRSA": _exactly(rng, n, 0.30),
        # ~10 % of everyone, drawn among the people of the two communes with a QPV
        "QPV": _exactly(rng, n, 0.10, among=in_qpv_commune),
        "RQTH": _exactly(rng, n, 0.08),
        "JEUNE": age < 26,
        "SENIOR": age >= 50,
    }
    people["public"] = ["|".join(p for p in PUBLIC_ORDER if flags[p][i]) for i in range(n)]
    people.insert(0, "id_salarie", [f"S{i + 1:04d}" for i in range(n)])
    return people


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _date_between(rng: np.random.Generator, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _contract(
    rng: np.random.Generator, start: dt.date, latest_end: dt.date | None = None
) -> dt.date:
    """End date of a contract of 1 to 12 months starting on ``start``, active during the year."""
    months = int(rng.choice(np.arange(1, 13), p=_duration_p()))
    end = _add_months(start, months) - dt.timedelta(days=1)
    if latest_end is not None and end > latest_end:
        end = max(latest_end, _add_months(start, 1) - dt.timedelta(days=1))
    if end < dt.date(YEAR, 1, 1):  # keep only contracts active during the year
        end = _date_between(rng, dt.date(YEAR, 1, 5), dt.date(YEAR, 3, 31))
    return end


def draw_contracts(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    year_start, year_end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    twice = set(rng.choice(len(people), size=N_CONTRACTS - N_PERSONS, replace=False).tolist())
    rows = []
    for i, person in enumerate(people.itertuples(index=False)):
        spells = []
        if i in twice:
            # a first contract ended by 30/09, a gap of 1 to 3 months, a second contract
            start = _date_between(rng, dt.date(YEAR - 1, 9, 1), dt.date(YEAR, 6, 30))
            end = _contract(rng, start, latest_end=dt.date(YEAR, 9, 30))
            spells.append((start, end, True))
            start = end + dt.timedelta(days=int(rng.integers(30, 92)))
            spells.append((start, _contract(rng, start), False))
        else:
            if rng.random() < 0.20:  # began in the second half of the previous year
                start = _date_between(rng, dt.date(YEAR - 1, 7, 1), dt.date(YEAR - 1, 12, 31))
            else:  # hires spread over the year, fewer towards its end
                start = year_start + dt.timedelta(days=int(349 * rng.beta(1.0, 1.5)))
            spells.append((start, _contract(rng, start), False))
        for start, end, came_back in spells:
            ongoing = end > year_end
            if ongoing:
                exit_ = ""
            elif came_back:
                # left for a short job or for no known reason, then came back
                exit_ = rng.choice(["emploi de transition", "autre"], p=[0.55, 0.45])
            else:
                exit_ = rng.choice(EXITS, p=EXIT_P)
            rows.append(
                {
                    "id_salarie": person.id_salarie,
                    "code_commune": person.code,
                    "code_postal": "",
                    "commune": person.nom,
                    "annee_naissance": int(person.annee_naissance),
                    "sexe": person.sexe,
                    "niveau_formation": person.niveau_formation,
                    "public": person.public,
                    "date_debut": start,
                    "date_fin": None if ongoing else end,
                    "type_sortie": str(exit_),
                    "siret": SIRET,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _duration_p() -> np.ndarray:
    # AI contracts are mostly short: weights for 1..12 months
    w = np.array([10, 12, 12, 10, 9, 8, 7, 6, 6, 5, 5, 10], dtype=float)
    return w / w.sum()


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    people = draw_people(rng, candidate_communes())
    contracts = draw_contracts(rng, people)
    return contracts.sort_values(["id_salarie", "date_debut"], kind="stable").reset_index(drop=True)


def write(contracts: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in contracts.itertuples(index=False):
            values = row._asdict()
            values["date_debut"] = values["date_debut"].strftime("%d/%m/%Y")
            fin = values["date_fin"]
            values["date_fin"] = "" if fin is None or pd.isna(fin) else fin.strftime("%d/%m/%Y")
            writer.writerow([values[c] for c in COLUMNS])


def summary(path: Path) -> dict:
    """Figures read back from the written file (what the analysis will see)."""
    df = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    persons = df.drop_duplicates("id_salarie")
    in_avranches = int((persons["code_commune"] == AVRANCHES).sum())
    ind = store.read_table("indicateurs_communes").set_index("code")
    unemployed = float(ind.loc[AVRANCHES, "p21_chom1564"])
    return {
        "rows": len(df),
        "persons": len(persons),
        "persons_avranches": in_avranches,
        "unemployed_avranches_p21": unemployed,
        "ratio": in_avranches / unemployed,
        "ongoing": int((df["date_fin"] == "").sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="fichier CSV produit")
    args = parser.parse_args(argv)
    write(generate(), args.output)
    s = summary(args.output)
    print(f"Fichier FICTIF écrit : {args.output}")
    print(
        f"{s['rows']} contrats, {s['persons']} salariés distincts, {s['ongoing']} en cours au 31/12"
    )
    print(
        f"Salariés domiciliés à Avranches en {YEAR} : {s['persons_avranches']} ; "
        f"chômeurs 15-64 ans (RP 2021) : {s['unemployed_avranches_p21']:.0f} ; "
        f"ratio : {100 * s['ratio']:.2f} %".replace(".", ",")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
