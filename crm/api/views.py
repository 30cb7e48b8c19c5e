"""The `/api/v1` blueprint with every endpoint module loaded, and the OpenAPI document."""
from __future__ import annotations

import importlib

from crm.api import openapi
from crm.api.errors import json_response
from crm.api.registry import bp, endpoint

#: Modules whose `@endpoint` views make up the API; a new endpoint module goes here.
MODULES = ("crm.api.bill", "crm.api.tickets")

for _name in MODULES:
    importlib.import_module(_name)


@endpoint("/openapi.json", auth=False, errors=(), response={"type": "object"},
          summary="Tài liệu OpenAPI 3 của API này")
def openapi_document():
    return json_response(openapi.document())


__all__ = ["bp"]
