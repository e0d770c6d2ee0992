"""A worker in this process, on a real store: outcomes the store cannot keep."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from gpuq import QuantumCircuit, compile
from gpuq.providers.local import Local
from gpuq.server.auth import add_user
from gpuq.server.db import ERROR, transaction, users
from gpuq.server.store import JobStore
from gpuq.server.worker import Worker, WorkerSettings


def test_a_result_the_store_refuses_ends_the_job_in_error_once(tmp_path):
    store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")
    try:
        # A real refusal by the database: this store keeps no result piece over 100 bytes.
        with transaction(store.engine, write=True) as conn:
            conn.exec_driver_sql(
                "CREATE TRIGGER small_results BEFORE INSERT ON gpuq_result_pieces "
                "WHEN length(NEW.data) > 100 BEGIN SELECT RAISE(ABORT, 'result too big'); END"
            )
        add_user(store, "alice")
        with transaction(store.engine) as conn:
            user_id = conn.execute(sa.select(users.c.id)).scalar_one()
        circuit = QuantumCircuit(8)
        circuit.h(range(8))
        qobj = compile(circuit, Local.get_backend("statevector_simulator_cpu"))
        job_id = str(uuid.uuid4())
        store.submit(user_id, "statevector_simulator_cpu", qobj.model_dump_json(), qobj.qobj_id, job_id)

        assert Worker(store, WorkerSettings(poll_interval=0.01, max_jobs=1)).run() == 1  # no crash
        record = store.get(job_id)
        assert (record.status, record.attempts) == (ERROR, 1), record
        assert "could not keep its result" in record.error and "result too big" in record.error, record.error
        assert store.result_json(job_id) is None and not store.has_result_pieces(job_id)
    finally:
        store.close()
