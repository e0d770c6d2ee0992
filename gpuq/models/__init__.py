"""The one wire format, used by local and cloud backends alike."""

from .backend import BackendConfiguration, BackendProperties, BackendStatus, GateConfig
from .options import QobjConfig, RunOptions, merge_options
from .qobj import Condition, Experiment, ExperimentConfig, ExperimentHeader, Instruction, Qobj, QobjHeader
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
    "RunOptions",
    "format_key",
    "merge_options",
]
