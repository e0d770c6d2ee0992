"""Validate and lower an experiment's noise (part of ``prepare``): ``lower_noise``.

A run is noisy when it has a ``noise_model``, or asks for
``method="density_matrix"`` (which is exact for ideal circuits too). Both
need the qasm simulator; parameter bindings and observables are run per
binding (``sim/noisy/observables.py``), gradients are refused. Each refusal
is a ``QobjValidationError`` naming the option.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...exceptions import NoiseError, QobjValidationError
from ...models.options import RunOptions
from ...models.qobj import Experiment
from ...sim.ops import Op

if TYPE_CHECKING:  # the noise packages are imported by noisy runs only
    from ...sim.noisy.choice import NoisySpec
    from ...sim.noisy.lowering import NoisyOp
    from ...sim.variational import VariationalSpec


def lower_noise(
    ops: tuple[Op, ...],
    experiment: Experiment,
    index: int,
    backend_method: str,
    options: RunOptions,
    shots: int,
    variational: VariationalSpec | None = None,
) -> NoisySpec | None:
    """The noisy form of an experiment's operations, or None for an ordinary run.

    ``ops`` of a circuit with parameters hold placeholder angles: the runner lowers the
    model again into each binding (``NoisySpec.model``), and this lowering picks the method
    and checks that every error fits its instruction.

    Raises:
        QobjValidationError: noise or the density matrix on a simulator other than qasm, or
            with gradients; an error that does not fit its instruction.
    """
    if options.noise_model is None and options.method != "density_matrix":
        return None
    option = "config.noise_model" if options.noise_model is not None else "config.method"
    if backend_method != "qasm":
        raise QobjValidationError(
            f"noise models and the density-matrix method need the qasm simulator, not the {backend_method} simulator",
            option,
        )
    from ...noise import NoiseModel
    from ...sim.noisy.choice import NoisySpec, choose_method
    from ...sim.noisy.lowering import add_noise

    config = experiment.config
    if variational is not None and variational.gradient:
        raise QobjValidationError(
            "gradients are not computed under a noise model or the density-matrix method (the adjoint "
            "method needs a pure state); run without gradient=True to get the noisy expectation values",
            "config.gradient",
        )
    path = f"experiments.{index}"
    noisy: list[NoisyOp] = list(ops)
    model = None
    if options.noise_model is not None:
        try:
            model = NoiseModel.from_dict(options.noise_model)
        except NoiseError as exc:  # the option's validator already checked it; a hand-built RunOptions may not
            raise QobjValidationError(str(exc), "config.noise_model") from exc
        noisy = add_noise(ops, model, path)
    observables = variational is not None and variational.observables is not None
    method, reason = choose_method(options.method, noisy, config.n_qubits, shots, observables)
    return NoisySpec(tuple(noisy), method, reason, model, path)
