"""Names as a reader expects them: the registry's upper-case names of structures written with
their capitals and accents (« ASSOC INTERMEDIAIRE » -> « Association Intermédiaire »).

The registry (ASP list, plateforme de l'inclusion) spells most names in capitals without
accents, often abbreviated. :func:`display_name` restores a readable form: every word
capitalised except the French small words (de, la, les, d', l'…), legal forms and acronyms kept
in capitals, common abbreviations expanded and the accents of the usual words of the sector put
back. A name already written in lower-case letters is left as it is.
"""

from __future__ import annotations

import re

#: Abbreviations of the registry, expanded.
ABBREVIATIONS = {
    "ASSOC": "Association", "ASS": "Association", "ASSO": "Association",
    "CTRE": "Centre", "STE": "Société", "STES": "Sociétés", "ENT": "Entreprise",
    "INTERM": "Intermédiaire", "INSERT": "Insertion", "DEPT": "Département",
}  # fmt: skip
#: Kept in capitals.
ACRONYMS = {
    "SARL", "SAS", "SASU", "SA", "SCOP", "SCIC", "EURL", "GIE", "EI", "AI", "ACI", "ETTI",
    "EITI", "GEIQ", "SIAE", "CCAS", "CIAS", "ESAT", "EA", "IAE", "ESS", "CDC", "UDAF", "ADMR",
    "BTP", "RSA", "AFPA", "MJC", "CAF", "EHPAD",
}  # fmt: skip
#: French small words, in lower case inside a name.
SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "et", "à", "a", "au", "aux", "en", "par",
               "pour", "sur", "vers", "un", "une", "d", "l", "dans", "avec", "ou"}
#: Accents of the usual words of the sector (key: upper case without accents).
ACCENTS = {
    "INTERMEDIAIRE": "intermédiaire", "SOLIDARITE": "solidarité", "METIERS": "métiers",
    "METIER": "métier", "ECONOMIQUE": "économique", "ECONOMIE": "économie",
    "DEVELOPPEMENT": "développement", "ENERGIE": "énergie", "REGIE": "régie",
    "REGIES": "régies", "ETUDES": "études", "EQUIPE": "équipe", "ECOLE": "école",
    "SOCIETE": "société", "ACTIVITE": "activité", "ACTIVITES": "activités",
    "SOLIDAIRE": "solidaire", "REUSSITE": "réussite", "REINSERTION": "réinsertion",
    "ELAN": "élan", "ETAPE": "étape", "ETAPES": "étapes", "ESPERANCE": "espérance",
    "QUALITE": "qualité", "PROXIMITE": "proximité", "COMMUNAUTE": "communauté",
    "INITIATIVE": "initiative", "EMMAUS": "Emmaüs", "RECYCLERIE": "recyclerie",
    "RESSOURCERIE": "ressourcerie", "ESPACES": "espaces", "VERTS": "verts",
    "PREVENTION": "prévention", "SECURITE": "sécurité", "SANTE": "santé", "VIE": "vie",
    "CREATION": "création", "EVEIL": "éveil", "REUSSIR": "réussir", "ENVIRONNEMENT":
    "environnement", "DEPARTEMENT": "département", "DEPARTEMENTAL": "départemental",
    "DEPARTEMENTALE": "départementale", "REGIONAL": "régional", "REGIONALE": "régionale",
    "ENTREPRISE": "entreprise", "INTERIM": "intérim", "TREMPLIN": "tremplin",
}  # fmt: skip


def _word(token: str, first: bool) -> str:
    """One word of an upper-case name, in its display form."""
    key = token.upper()
    if key in ABBREVIATIONS:
        return ABBREVIATIONS[key]
    if key in ACRONYMS:
        return key
    lower = ACCENTS.get(key, token.lower())
    if not first and lower in SMALL_WORDS:
        return lower
    return lower[:1].upper() + lower[1:]


def display_name(name: object) -> str:
    """« ASSOC INTERMEDIAIRE » -> « Association Intermédiaire », « CTRE COM ACTION SOCIALE DE
    GRANVILLE » -> « Centre Com Action Sociale de Granville », « ENTREPRISE D'INSERTION PAR LES
    METIERS » -> « Entreprise d'Insertion par les Métiers »; a name with lower-case letters is
    returned unchanged.

    >>> display_name("SARL SEEMAPHORE")
    'SARL Seemaphore'
    """
    text = "" if name is None else str(name).strip()
    if not text or any(c.islower() for c in text):
        return text
    text = re.sub(r"\b([LD]) (?=[AEIOUYÉH])", r"\1'", text)  # « L EMPLOI » -> « L'EMPLOI »
    out = []
    for i, part in enumerate(re.split(r"(\W+)", text)):
        if not part or not re.match(r"\w", part):
            out.append(part)
            continue
        word = _word(part, first=(i == 0))
        if i > 0 and out and out[-1].endswith("'") and word.lower() in ("d", "l"):
            word = word.lower()
        out.append(word)
    joined = "".join(out)
    # « D'INSERTION » -> « d'Insertion » inside a name
    return re.sub(r"(?<=\s)([DL])'", lambda m: m.group(1).lower() + "'", joined)
