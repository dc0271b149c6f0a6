"""OpenAPI links: how the ids an operation answers with feed the operations that act on those resources.

They document the workflows of the API (create a service, then read, change, delete it or sign up to offer it;
find the professionals for a service, then book one; follow a booking and act on it) and let stateful API
testers such as Schemathesis chain real calls instead of guessing ids. An apispec plugin adds them to the
served document as each path is documented, so the views need no change.

A link's `requestBody` here maps body fields to runtime expressions (the convention Schemathesis follows; the
OpenAPI text itself only defines one expression for a whole body).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from apispec import BasePlugin
from flask_smorest import Api

SERVICES = "/api/services"
SERVICE = "/api/services/{service_id}"
PACKAGES = "/api/service-packages/{service_id}"
REQUESTS = "/api/service-requests"
REQUEST = "/api/service-requests/{request_id}"
HISTORY = "/api/service-history"
REGISTER_PROFESSIONAL = "/api/auth/register/professional"
USER_ACTION = "/api/users/{user_id}/{action}"
PROFESSIONAL = "/api/professionals/{professional_id}"


def operation_ref(path: str, method: str) -> str:
    """A JSON pointer to an operation of this document, for a link's `operationRef`."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def link(path: str, method: str, description: str, parameters=None, body=None) -> dict[str, Any]:
    found: dict[str, Any] = {"operationRef": operation_ref(path, method), "description": description}
    if parameters:
        found["parameters"] = parameters
    if body:
        found["requestBody"] = body
    return found


def service_links(id_expression: str, which: str, names=None) -> dict[str, dict]:
    service_id = {"service_id": id_expression}
    links = {
        "GetService": link(SERVICE, "get", f"Read {which}.", service_id),
        "UpdateService": link(SERVICE, "put", f"Change {which}.", service_id),
        "DeleteService": link(SERVICE, "delete", f"Take {which} out of the catalogue.", service_id),
        "ServiceProfessionals": link(PACKAGES, "get", f"The professionals offering {which}.", service_id),
    }
    return {name: found for name, found in links.items() if names is None or name in names}


def request_links(id_expression: str, which: str, names=None) -> dict[str, dict]:
    request_id = {"request_id": id_expression}
    links = {
        "GetServiceRequest": link(REQUEST, "get", f"Read {which}.", request_id),
        "ChangeServiceRequest": link(
            REQUEST, "patch", f"Act on {which} (accept, reject, close, cancel) or edit it.", request_id
        ),
    }
    return {name: found for name, found in links.items() if names is None or name in names}


# (path, method, status code) -> the links of that response
LINKS: dict[tuple[str, str, str], dict[str, dict]] = {
    (SERVICES, "get", "200"): service_links(
        "$response.body#/0/id", "the first service listed", names=("GetService", "ServiceProfessionals")
    ),
    (SERVICES, "post", "201"): {
        **service_links("$response.body#/id", "the new service"),
        "RegisterProfessional": link(
            REGISTER_PROFESSIONAL,
            "post",
            "A professional signs up to offer the new service.",
            body={"service_id": "$response.body#/id"},
        ),
    },
    (SERVICE, "get", "200"): service_links(
        "$response.body#/id", "this service", names=("UpdateService", "DeleteService", "ServiceProfessionals")
    ),
    (SERVICE, "put", "200"): service_links("$response.body#/id", "this service"),
    (PACKAGES, "get", "200"): {
        "BookProfessional": link(
            REQUESTS,
            "post",
            "Book the first professional listed for this service.",
            body={"service_id": "$request.path.service_id", "professional_id": "$response.body#/0/professional_id"},
        ),
        "GetProfessional": link(
            PROFESSIONAL,
            "get",
            "The profile of the first professional listed.",
            {"professional_id": "$response.body#/0/professional_id"},
        ),
    },
    (REQUESTS, "post", "201"): request_links("$response.body#/id", "the new request"),
    (REQUESTS, "get", "200"): request_links("$response.body#/0/id", "the first request listed"),
    (HISTORY, "get", "200"): request_links("$response.body#/0/id", "the first request listed"),
    (REQUEST, "get", "200"): request_links("$response.body#/id", "this request", names=("ChangeServiceRequest",)),
    (REQUEST, "patch", "200"): request_links("$response.body#/id", "this request"),
    (REGISTER_PROFESSIONAL, "post", "201"): {
        "ApproveProfessional": link(
            USER_ACTION,
            "put",
            "The admin approves the new professional.",
            {"user_id": "$response.body#/user/id", "action": "approve"},
        ),
        "GetProfessional": link(
            PROFESSIONAL,
            "get",
            "The new professional's profile.",
            {"professional_id": "$response.body#/user/professional_id"},
        ),
    },
}


def _status_key(responses: dict, status: str):
    for code in responses:
        if str(code) == status or (not isinstance(code, str) and str(int(code)) == status):
            return code
    return None


class LinksPlugin(BasePlugin):
    """Adds `LINKS` to the responses of the operations they start from."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for (source_path, method, status), links in LINKS.items():
            if source_path != path or method not in (operations or {}):
                continue
            responses = operations[method].get("responses", {})
            code = _status_key(responses, status)
            if code is None or not isinstance(responses[code], dict):
                raise RuntimeError(f"OpenAPI links: {method.upper()} {path} has no inline {status} response")
            responses[code].setdefault("links", {}).update(deepcopy(links))


def install(api: Api) -> None:
    """Register the plugin on this app's spec; call before the blueprints are registered."""
    plugin = LinksPlugin()
    plugin.init_spec(api.spec)
    api.spec.plugins.append(plugin)
