"""The gpuq job server: HTTP API, persistent job store, workers and tokens.

::

    app.py         FastAPI routes (no simulation runs in the API process); bodies in gpuq.models.api
    admission.py   checks a submission: JSON, schema, caps, options, instructions
    catalog.py     the backends offered, described with the server's caps and queue
    limits.py      per-backend caps: request bytes, qubits, shots, experiments
    auth.py        bearer tokens, stored as SHA-256 hashes
    errors.py      the HTTP status of every error, in one table; error answers
    db.py          tables and engine (SQLite by default, any SQLAlchemy URL)
    store.py       users, jobs and the queue; every change a compare-and-set
    claims.py      which job a worker takes next: fair share between users (a mixin of the store)
    results.py     results kept and read back as compressed pieces (a mixin of the store)
    migrate.py     runs the Alembic migrations of ``migrations/`` when a store is opened
    registry.py    the workers table (a mixin of the store): who is connected, with a GPU or not
    stranded.py    queued GPU jobs with no GPU worker: say why they wait, fail them in time
    jsonshape.py   request JSON no schema bounds: depth, NUL, long strings, NaN
    body.py        reads a request body within a size cap and a time limit
    worker.py      claims jobs and runs them on the local engine
    heartbeat.py   a worker's companion process that sends its heartbeats
    supervisor.py  keeps ``gpuq serve``'s worker processes alive
    recovery.py    requeues (once) or fails the jobs of workers that died
    procs.py       worker names and process liveness
    metrics.py     GET /metrics: Prometheus figures read from the store
    logs.py        text or JSON log lines (--log-format)

Importing this package imports nothing heavy; the modules import FastAPI and
SQLAlchemy themselves.
"""
