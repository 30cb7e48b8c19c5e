"""Entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi ...`."""
import gc

from crm import create_app

app = create_app()
# Everything built so far lives as long as the process: keep it out of the garbage
# collector's generations (its full passes were the 80-130 ms p99 spikes in bench/).
gc.collect()
gc.freeze()
