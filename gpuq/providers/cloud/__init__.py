"""The cloud provider: a gpuq job server's backends behind the same interface as the local ones.

::

    client.py     HTTP (the only importer of requests): timeouts, retries, errors
    accounts.py   saved accounts in a file only its owner can read
    provider.py   ``Cloud``: accounts, backends, jobs
    backend.py    ``CloudBackend``: run, configuration, properties, status, jobs, retrieve_job
    job.py        ``CloudJob``: status, result (polls), cancel, creation date, queue position
"""

from .backend import CloudBackend
from .job import CloudJob
from .provider import Cloud, CloudProvider

__all__ = ["Cloud", "CloudBackend", "CloudJob", "CloudProvider"]
