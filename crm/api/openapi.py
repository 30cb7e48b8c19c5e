"""The OpenAPI 3 document, built from the registry so every endpoint describes itself."""
from __future__ import annotations

from crm.api.registry import ENDPOINTS, Endpoint, Param

ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"},
    "fields": {"type": "object", "additionalProperties": {
        "type": "array", "items": {"type": "string"}}}}}
REASONS = {400: "Tham số không hợp lệ (lý do theo từng trường trong `fields`)",
           401: "Thiếu token, token sai hoặc đã bị thu hồi", 404: "Không tìm thấy",
           429: "Quá nhiều yêu cầu; thử lại sau"}


def document() -> dict:
    paths: dict[str, dict] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method] = _operation(endpoint)
    return {
        "openapi": "3.0.3",
        "info": {"title": "CSKH API", "version": "1.0.0",
                 "description": "Tích hợp hệ thống CSKH với hệ thống hóa đơn / CMIS. "
                                "Xác thực: `Authorization: Bearer <token>` "
                                "(`flask --app wsgi api-token create NAME`)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR}},
        "paths": paths,
    }


def _operation(endpoint: Endpoint) -> dict:
    in_body = endpoint.method not in ("get", "delete")
    operation = {
        "operationId": f"{endpoint.name}_{endpoint.method}",
        "summary": endpoint.summary,
        "parameters": [_parameter(p) for p in endpoint.params
                       if p.where == "path" or not in_body],
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": endpoint.response}}}} | {
            str(code): {"description": REASONS[code], "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
            for code in endpoint.errors},
    }
    body = [p for p in endpoint.params if p.where != "path"]
    if in_body and body:
        operation["requestBody"] = {"required": True, "content": {
            media: {"schema": _object(body)}
            for media in ("application/json", "application/x-www-form-urlencoded")}}
    if not endpoint.auth:
        operation["security"] = []
    return operation


def _parameter(param: Param) -> dict:
    return {"name": param.name, "in": param.where, "required": param.required or
            param.where == "path", "description": param.description, "schema": param.schema}


def _object(params: list[Param]) -> dict:
    schema = {"type": "object", "properties": {
        p.name: {**p.schema, "description": p.description} for p in params}}
    required = [p.name for p in params if p.required]
    return schema | ({"required": required} if required else {})
