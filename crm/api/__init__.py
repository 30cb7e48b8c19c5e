"""REST API `/api/v1` for billing and CIS systems: bearer tokens, JSON errors, OpenAPI 3.

Add an endpoint by decorating a view with `crm.api.registry.endpoint(...)` in a module listed
in `crm.api.views.MODULES`: it is routed, authenticated, rate-limited and documented at
`/api/v1/openapi.json` from that one declaration.
"""
