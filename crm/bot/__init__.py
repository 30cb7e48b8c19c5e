"""Self-service answers shared by every automated front: the IVR, SMS keywords, chat bots."""
