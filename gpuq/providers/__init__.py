"""Providers, backends and jobs."""

from .base import JOB_FINAL_STATES, BaseBackend, BaseJob, BaseProvider, JobStatus

__all__ = ["JOB_FINAL_STATES", "BaseBackend", "BaseJob", "BaseProvider", "JobStatus"]
