"""Customer notifications: an outbox written with the change that causes it, and its dispatcher.

`outbox.notify` is the one way to tell a customer something; `dispatch` sends what is due in
batches, on the channel `choice` picks, respecting `consent` and quiet hours.
"""
