"""Open data with the published snapshot (issue 18): the aggregated figures as CSV, a
Frictionless Data Package describing it (``datapackage.json``: a Table Schema per file,
licence, sources) and a DCAT-AP description (JSON-LD) for open-data portals to harvest.

Everything here is built from a published snapshot's stored figures (already suppressed
for the public audience): nothing is read from the responses.
"""

from __future__ import annotations

from typing import Any

from ...models import ResultsSnapshot
from ..exports.figures import figure_rows, to_csv
from .snapshot import PublicFigures

LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
DCAT_LICENCE = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
PUBLISHER = "Urban Agenda for the EU, Partnership on Culture/Cultural Heritage"
FIGURES_FILE = "figures.csv"
KEYWORDS = ["cultural heritage", "culture", "urban agenda", "consultation", "cities"]

# The Table Schema of figures.csv (exports.figures.CSV_HEADER, in order).
FIGURES_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "theme_key", "type": "string", "description": "The theme's code"},
        {"name": "theme", "type": "string", "description": "The theme's title (English)"},
        {
            "name": "breakdown",
            "type": "string",
            "description": "overall, or the dimension of the group",
            "constraints": {
                "enum": ["overall", "action", "perspective", "pillar", "kind", "country", "size"]
            },
        },
        {"name": "group", "type": "string", "description": "The group's code (empty: overall)"},
        {"name": "group_label", "type": "string", "description": "The group's name"},
        {
            "name": "score",
            "type": "number",
            "description": "Mean theme score, 0 to 100 (empty when suppressed or no data)",
            "constraints": {"minimum": 0, "maximum": 100},
        },
        {"name": "n", "type": "integer", "description": "Responses counted"},
        {"name": "sd", "type": "number", "description": "Standard deviation, 0 to 100"},
        {"name": "ci_low", "type": "number", "description": "Lower bound of the 95% interval"},
        {"name": "ci_high", "type": "number", "description": "Upper bound of the 95% interval"},
        {
            "name": "suppressed",
            "type": "boolean",
            "description": "true: fewer organisations than the disclosure threshold, or a "
            "complement of such a cell; its figures are left empty",
        },
    ],
    "missingValues": [""],
}


def figures_csv(figures: PublicFigures) -> str:
    """Every figure of the snapshot: each theme overall and per group of each breakdown."""
    return to_csv(figure_rows(figures.scores, list(figures.breakdowns.values())))


def _issued(snapshot: ResultsSnapshot) -> str:
    return snapshot.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def datapackage(snapshot: ResultsSnapshot, base_url: str) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of the snapshot's open data; the
    resources' paths are relative to the descriptor's own address (``base_url``)."""
    title = snapshot.title.get("en", "Tympanum results")
    return {
        "profile": "tabular-data-package",
        "name": f"tympanum-results-{snapshot.published_at:%Y-%m-%d}-{snapshot.id}",
        "title": title,
        "description": snapshot.introduction.get("en", ""),
        "homepage": base_url,
        "version": f"{snapshot.id}.0.0",
        "created": _issued(snapshot),
        "keywords": KEYWORDS,
        "licenses": [LICENCE],
        "sources": [
            {
                "title": "Tympanum consultation of the Partnership on Culture/Cultural "
                "Heritage: accepted responses to the 11 actions' questionnaires",
                "path": base_url,
            }
        ],
        "contributors": [{"title": PUBLISHER, "role": "publisher"}],
        "resources": [
            {
                "name": "figures",
                "path": FIGURES_FILE,
                "profile": "tabular-data-resource",
                "title": "Theme scores, overall and by group",
                "description": "The five themes' scores (0 to 100) with n, standard "
                "deviation and 95% interval, overall and by action, perspective, pillar, "
                f"kind of organisation, country and city size. Groups of fewer than "
                f"{snapshot.min_orgs} organisations are suppressed.",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
                "schema": FIGURES_SCHEMA,
                "licenses": [LICENCE],
            }
        ],
    }


def dcat(snapshot: ResultsSnapshot, base_url: str, urls: dict[str, str]) -> dict[str, Any]:
    """A DCAT-AP description (JSON-LD) of the snapshot as a dataset with its
    distributions; ``urls``: absolute addresses of "page", "csv" and "datapackage"."""
    issued = {"@value": _issued(snapshot), "@type": "xsd:dateTime"}
    licence = {"@id": DCAT_LICENCE}

    def distribution(key: str, title: str, media: str, form: str) -> dict[str, Any]:
        return {
            "@id": f"{urls[key]}#distribution",
            "@type": "dcat:Distribution",
            "dct:title": {"@value": title, "@language": "en"},
            "dcat:accessURL": {"@id": urls[key]},
            "dcat:downloadURL": {"@id": urls[key]},
            "dcat:mediaType": {"@id": f"http://www.iana.org/assignments/media-types/{media}"},
            "dct:format": {
                "@id": f"http://publications.europa.eu/resource/authority/file-type/{form}"
            },
            "dct:license": licence,
            "dct:issued": issued,
        }

    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"{urls['page']}#dataset-{snapshot.id}",
        "@type": "dcat:Dataset",
        "dct:title": [
            {"@value": text, "@language": lang} for lang, text in sorted(snapshot.title.items())
        ],
        "dct:description": [
            {"@value": text, "@language": lang}
            for lang, text in sorted(snapshot.introduction.items())
        ],
        "dct:issued": issued,
        "dct:identifier": f"{urls['page']}#dataset-{snapshot.id}",
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": PUBLISHER},
        "dcat:keyword": [{"@value": k, "@language": "en"} for k in KEYWORDS],
        "dcat:landingPage": {"@id": urls["page"]},
        "dct:spatial": {"@id": "http://publications.europa.eu/resource/authority/continent/EUROPE"},
        "dct:accessRights": {
            "@id": "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
        },
        "dcat:distribution": [
            distribution("csv", "Theme scores (CSV)", "text/csv", "CSV"),
            distribution("datapackage", "Data Package descriptor", "application/json", "JSON"),
        ],
        "dcat:contactPoint": {"@type": "http://www.w3.org/2006/vcard/ns#Organization"},
        "dct:conformsTo": {"@id": "https://specs.frictionlessdata.io/data-package/"},
        "dct:modified": issued,
        "dct:source": {"@id": base_url},
    }
