"""Tổng đài 1900 (the hotline): the call log, the Vietnamese IVR, voicemail and screen pops.

Twilio Voice and the PBX connector feed the same services: `services.record_event` keeps
the call log, `ivr` answers Twilio's webhooks, `recordings` turns a voicemail into a ticket
message, `pops` tells agents who is calling while the phone rings.
"""
