"""The served OpenAPI document carries the links between operations, and every link points somewhere real."""

from __future__ import annotations

from household.api.links import LINKS


def resolve(document: dict, pointer: str) -> dict:
    node = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_served_document_has_the_links(client):
    document = client.get("/api/openapi.json").get_json()
    for (path, method, status), links in LINKS.items():
        assert document["paths"][path][method]["responses"][status]["links"] == links, (path, method, status)
    book = document["paths"]["/api/service-packages/{service_id}"]["get"]["responses"]["200"]["links"]["BookProfessional"]
    assert book["operationRef"] == "#/paths/~1api~1service-requests/post"
    assert book["requestBody"]["professional_id"] == "$response.body#/0/professional_id"


def test_links_name_real_operations_parameters_and_fields(client):
    document = client.get("/api/openapi.json").get_json()
    for links in LINKS.values():
        for name, link in links.items():
            target_path = resolve(document, link["operationRef"].rsplit("/", 1)[0])
            target = target_path[link["operationRef"].rsplit("/", 1)[1]]
            known = {p["name"] for p in target_path.get("parameters", []) + target.get("parameters", [])}
            assert set(link.get("parameters", {})) <= known, name
            if "requestBody" in link:
                schema = target["requestBody"]["content"]["application/json"]["schema"]
                schema = resolve(document, schema["$ref"]) if "$ref" in schema else schema
                assert set(link["requestBody"]) <= set(schema["properties"]), name
            for expression in [*link.get("parameters", {}).values(), *link.get("requestBody", {}).values()]:
                assert expression.startswith(("$response.body#/", "$request.path.")) or expression.isalpha(), name
