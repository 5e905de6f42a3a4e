"""The benchmark suite behind `python -m bench`: one process, every part, one results table.

Parts (each module's docstring says what it measures and why):
  floor.py     bare SpiffWorkflow on bpmn/sikanda.bpmn, the floor every other figure is compared with
  services.py  the same path through our services, one unit of work per step; the TIDAK loop; --profile
  http_path.py the JSON API served by gunicorn: SQLite with one client, PostgreSQL with 1 and 8 clients
  inbox.py     the verifier's inbox (API and HTML) with 1k / 10k / 100k instances, and the worker's memory
Shared: common.py (timing, path data, progress), databases.py (fresh databases), server.py (gunicorn and
an HTTP client), results.py (the JSON and Markdown files).
"""
