"""Zalo OA inside the app: the token store, the ingest steps and ZNS.

Importing the package plugs the database token store into the Zalo adapter and the
Zalo steps into ingest; the Zalo webhook blueprint imports it, so every process
built by `create_app` (web and workers) has both.
"""
from crm.zalo import steps, tokens  # noqa: F401
