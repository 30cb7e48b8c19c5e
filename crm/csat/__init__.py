"""CSAT (chỉ số hài lòng): the 1–10 survey after resolution, its replies, and the report.

Importing `crm.csat.views` (a blueprint of the app) plugs in the rest: the status hook that
sends the survey, the ingest step that reads replies, the expiry job.
"""
