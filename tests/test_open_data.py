"""Issue 18: open data with the published snapshot. The aggregated figures as CSV, a
Frictionless Data Package describing them (validated here with the ``frictionless``
library: Table Schema, licence, sources) and a DCAT-AP JSON-LD description, all public
and built from the stored, suppressed figures."""

from __future__ import annotations

import csv
import io
import json

import frictionless
import pytest

from tests.test_public_results import partnership, publish  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("partnership")


def test_nothing_before_publication(client, db):
    for url in ("figures.csv", "datapackage.json", "dcat.jsonld"):
        assert client.get(f"/public/data/{url}").status_code == 404


def test_the_data_package_validates(tmp_path, client, users, login_as):
    publish(login_as)
    overview = client.get("/public/").get_data(as_text=True)
    assert 'href="/public/data/datapackage.json"' in overview
    descriptor = client.get("/public/data/datapackage.json")
    assert descriptor.status_code == 200 and descriptor.mimetype == "application/json"
    figures = client.get("/public/data/figures.csv")
    assert figures.status_code == 200 and figures.mimetype == "text/csv"
    (tmp_path / "datapackage.json").write_bytes(descriptor.get_data())
    (tmp_path / "figures.csv").write_bytes(figures.get_data())
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads(descriptor.get_data())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["sources"] and package["resources"][0]["schema"]["fields"]


def test_the_csv_holds_only_suppressed_figures(client, users, login_as):
    publish(login_as)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/public/data/figures.csv").get_data(as_text=True)))
    )
    assert {row["breakdown"] for row in rows} >= {"overall", "action", "kind", "country"}
    for row in rows:
        assert row["suppressed"] == "true" or row["n"] in ("", "0") or int(row["n"]) >= 5
        if row["suppressed"] == "true":
            assert row["score"] == row["n"] == ""
    assert "100.0" not in {row["score"] for row in rows}  # the lone NGO


def test_dcat_ap_description(client, users, login_as):
    publish(login_as)
    answer = client.get("/public/data/dcat.jsonld")
    assert answer.mimetype == "application/ld+json"
    dataset = json.loads(answer.get_data())
    assert dataset["@type"] == "dcat:Dataset"
    assert {"@value": "Results 2026", "@language": "en"} in dataset["dct:title"]
    downloads = {d["dcat:downloadURL"]["@id"] for d in dataset["dcat:distribution"]}
    assert any(url.endswith("/public/data/figures.csv") for url in downloads)
    assert all(d["dct:license"]["@id"].endswith("CC_BY_4_0") for d in dataset["dcat:distribution"])
