"""One statevector split over MPI ranks: ``run_distributed`` and its communicator.

Modules, one job each: ``comm`` (the ranks, over mpi4py), ``placement``
(which qubits are global, and which swaps bring them in), ``exchange`` (the
pairwise half-slice swap and gathers), ``state`` (the engine's passes on a
rank's slice), ``sampling`` (seeded draws identical to one process),
``capacity`` (the per-rank memory check) and ``engine`` (running an
experiment). docs/distributed.md is the user guide.
"""

from .comm import Communicator, world
from .engine import run_distributed

__all__ = ["Communicator", "run_distributed", "world"]
