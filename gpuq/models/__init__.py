"""The one wire format, used by local and cloud backends alike."""

from .backend import BackendConfiguration, BackendProperties, BackendStatus, GateConfig
from .qobj import Condition, Experiment, ExperimentConfig, ExperimentHeader, Instruction, Qobj, QobjConfig, QobjHeader
from .result import ExperimentResult, ExperimentResultData, Result, format_key

__all__ = [
    "BackendConfiguration",
    "BackendProperties",
    "BackendStatus",
    "Condition",
    "Experiment",
    "ExperimentConfig",
    "ExperimentHeader",
    "ExperimentResult",
    "ExperimentResultData",
    "GateConfig",
    "Instruction",
    "Qobj",
    "QobjConfig",
    "QobjHeader",
    "Result",
    "format_key",
]
