"""Outage incidents and service suspensions."""
