"""Noisy simulation: the noise model lowered into channels and readout flips (``lowering``), run as a
density matrix (``density``) or as trajectories (``trajectories``) by one shared walk (``walker``);
``run.run_noisy`` is the entry point and ``choice`` picks the method for "auto"."""
