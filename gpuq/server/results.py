"""Results in the job store as the compressed pieces of ``gpuq.models.result_wire``, read back one at a time.

A mixin of ``JobStore`` (which gives it ``engine``). Each piece (about
256 KiB) is its own row of ``gpuq_result_pieces``, so the API streams a
result of any size holding one piece at a time: fetching a 352 MB result
four times at once took the API from 117 MiB to 2.4 GiB when the result was
one text value. Results stored by earlier releases (the ``result`` column
of ``gpuq_jobs``) are still served as they are.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .db import result_pieces, transaction


class ResultPieces:
    """Write a job's result pieces with its final status; read them back one at a time."""

    engine: Engine

    def has_result_pieces(self, job_id: str) -> bool:
        """True when the job's result is kept as pieces (False: no result, or one from an earlier release)."""
        query = sa.select(result_pieces.c.seq).where(result_pieces.c.job_id == job_id).limit(1)
        with transaction(self.engine) as conn:
            return conn.execute(query).first() is not None

    def result_pieces(self, job_id: str) -> Iterator[bytes]:
        """The job's result pieces in order, each read in a transaction of its own (no connection held between)."""
        seq = 0
        while True:
            query = sa.select(result_pieces.c.data).where(result_pieces.c.job_id == job_id, result_pieces.c.seq == seq)
            with transaction(self.engine) as conn:
                data = conn.execute(query).scalar()
            if data is None:
                return
            yield bytes(data)
            seq += 1


def write_pieces(conn: Connection, job_id: str, pieces: list[bytes]) -> None:
    """Insert a result's pieces (inside the transaction that records the job's end)."""
    for seq, data in enumerate(pieces):
        conn.execute(result_pieces.insert().values(job_id=job_id, seq=seq, data=data))
