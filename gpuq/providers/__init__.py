"""Providers, backends and jobs."""

from .base import JOB_FINAL_STATES, BaseBackend, BaseJob, BaseProvider, JobStatus

__all__ = [
    "BaseBackend",
    "BaseJob",
    "BaseProvider",
    "JOB_FINAL_STATES",
    "JobStatus",
]
