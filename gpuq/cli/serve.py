"""``gpuq serve``, ``gpuq worker`` and ``gpuq server add-user``: run and administer a job server."""

from __future__ import annotations

import argparse
import signal
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``serve``, ``worker`` and ``server`` commands."""
    serve = subparsers.add_parser(
        "serve",
        help="run the job server (HTTP API and worker processes)",
        description="Serve the local simulators over HTTP to token holders; jobs run in worker processes "
        "and are kept in a database (an SQLite file by default, or PostgreSQL for several hosts).",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    _db_argument(serve)
    serve.add_argument(
        "--workers",
        type=_non_negative,
        default=1,
        help="worker processes to run here (default 1; 0 when workers run elsewhere)",
    )
    serve.add_argument("--limits", metavar="FILE", help="JSON file of per-backend caps (see docs/cloud.md)")
    serve.add_argument(
        "--gpu-wait",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="fail a queued GPU job once no worker with a GPU was connected this long (default 600)",
    )
    serve.add_argument(
        "--max-queued-jobs",
        type=int,
        default=None,
        metavar="N",
        help="refuse (429) a user's submission while N of their jobs wait (default: no cap)",
    )
    serve.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="answer 408 to a request body that pauses this long (default 30)",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        default=256,
        metavar="N",
        help="answer 503 to requests beyond this many open connections (default 256)",
    )
    _worker_arguments(serve)
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    _log_format_argument(serve)
    serve.set_defaults(handler=_serve)

    worker = subparsers.add_parser(
        "worker",
        help="run a worker that takes jobs from a server's database",
        description="Claim queued jobs from the job store and run them here; start one per host (or more) "
        "next to 'gpuq serve --workers 0' sharing one PostgreSQL database.",
    )
    _db_argument(worker)
    _worker_arguments(worker)
    worker.add_argument("--max-jobs", type=int, default=None, help="exit after running this many jobs")
    _log_format_argument(worker)
    worker.set_defaults(handler=_worker)

    server = subparsers.add_parser("server", help="administer a job server (users and tokens)")
    actions = server.add_subparsers(dest="server_command", required=True, metavar="ACTION")
    add_user = actions.add_parser(
        "add-user",
        help="create a user and print their bearer token",
        description="Create a user; the new token is the last word of the output "
        "and is shown only once (only its hash is stored).",
    )
    add_user.add_argument("name", help="the user's name (letters, digits and ._@-)")
    add_user.add_argument("--new-token", action="store_true", help="replace the token of an existing user")
    _db_argument(add_user)
    add_user.set_defaults(handler=_add_user)
    list_users = actions.add_parser("list-users", help="list the users")
    _db_argument(list_users)
    list_users.set_defaults(handler=_list_users)
    list_jobs = actions.add_parser("jobs", help="list every user's jobs, newest first (administrators)")
    list_jobs.add_argument("--user", help="only this user's jobs")
    list_jobs.add_argument("--status", type=str.upper, choices=["QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED"])
    list_jobs.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    _db_argument(list_jobs)
    list_jobs.set_defaults(handler=_list_jobs)
    cancel = actions.add_parser("cancel", help="cancel anyone's job (administrators)")
    cancel.add_argument("job_id")
    _db_argument(cancel)
    cancel.set_defaults(handler=_cancel)


def _db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="SQLAlchemy URL or SQLite file of the job store (default: $GPUQ_SERVER_DB, else ~/.gpuq/server.db)",
    )


def _log_format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        default="text",
        choices=["text", "json"],
        help="log lines as text, or as one JSON object per line with job_id, user, backend fields (default text)",
    )


def _worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=0.2,
        metavar="SECONDS",
        help="seconds between looks at an empty queue (default 0.2)",
    )
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="seconds between a running job's heartbeats and cancellation checks (default 0.5)",
    )
    parser.add_argument(
        "--max-run-time",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop a job that runs longer and mark it ERROR (default: no limit)",
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="a worker silent this long is taken as dead and its job requeued (default 30)",
    )


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _settings(args: argparse.Namespace):
    from ..server.worker import WorkerSettings

    return WorkerSettings(
        poll_interval=args.poll_interval,
        heartbeat_interval=args.heartbeat,
        lease=args.lease,
        max_jobs=getattr(args, "max_jobs", None),
        max_run_time=args.max_run_time,
    )


def _db_url(args: argparse.Namespace) -> str:
    from ..server.db import default_db_url

    return args.db or default_db_url()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .. import __version__
    from ..server.app import create_app
    from ..server.catalog import Catalog
    from ..server.db import masked_url
    from ..server.limits import Limits
    from ..server.logs import setup_logging
    from ..server.store import JobStore
    from ..server.supervisor import Supervisor

    setup_logging(args.log_level, args.log_format)
    store = JobStore(_db_url(args))
    catalog = Catalog(Limits.from_file(args.limits))
    supervisor = Supervisor(store, args.workers, _settings(args), gpu_wait=args.gpu_wait, log_format=args.log_format)
    supervisor.start()
    print(
        f"gpuq: serving on http://{args.host}:{args.port} with {args.workers} worker(s); "
        f"job store {masked_url(store.url)}",
        file=sys.stderr,
        flush=True,
    )
    # uvicorn shuts down on SIGINT/SIGTERM and then raises the signal again with
    # the handlers it found; quiet ones let us stop the workers cleanly after it.
    stop_signals = {signum: signal.signal(signum, lambda *_: None) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        app = create_app(store, catalog, __version__, args.lease, args.request_timeout, args.max_queued_jobs)
        # Idle keep-alive connections close after 5 s; a paused upload is answered 408 by the app.
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            # JSON logs: uvicorn's loggers go through our root handler instead of its own text ones.
            log_config=None if args.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
            access_log=args.log_level == "debug",
            timeout_keep_alive=5,
            limit_concurrency=args.max_connections,
        )
    finally:
        print("gpuq: stopping the workers; their running jobs go back in the queue", file=sys.stderr, flush=True)
        supervisor.stop()
        store.close()
        for signum, handler in stop_signals.items():
            signal.signal(signum, handler)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from ..server.worker import worker_main

    worker_main(_db_url(args), _settings(args), log_format=args.log_format)
    return 0


def _add_user(args: argparse.Namespace) -> int:
    from ..server.auth import add_user
    from ..server.store import JobStore

    store = JobStore(_db_url(args))
    try:
        token = add_user(store, args.name, replace_token=args.new_token)
    finally:
        store.close()
    verb = "new token for" if args.new_token else "created user"
    print(f"{verb} {args.name}; give them this bearer token (it is not stored and cannot be shown again):")
    print(token)
    return 0


def _list_jobs(args: argparse.Namespace) -> int:
    from ..exceptions import UserError
    from ..server.store import JobStore

    store = JobStore(_db_url(args))
    try:
        names = store.users_by_id()
        user_id = None
        if args.user is not None:
            ids = [uid for uid, name in names.items() if name == args.user]
            if not ids:
                raise UserError(args.user, "no such user; 'gpuq server list-users' lists them")
            user_id = ids[0]
        records, _ = store.list_jobs(user_id, status=args.status, limit=args.limit)
        for record in records:
            print(
                f"{record.id}  {record.status:<9}  {names.get(record.user_id, '?'):<16}  {record.backend:<28}  "
                f"{record.created_at:%Y-%m-%d %H:%M:%S}"
            )
    finally:
        store.close()
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from ..exceptions import JobError
    from ..server.store import JobStore

    store = JobStore(_db_url(args))
    try:
        record = store.cancel(args.job_id, None)
    finally:
        store.close()
    if record is None:
        raise JobError(f"no job {args.job_id!r} in this job store")
    state = "cancelled" if record.status == "CANCELLED" else f"{record.status}; cancellation requested"
    print(f"job {record.id}: {state}")
    return 0


def _list_users(args: argparse.Namespace) -> int:
    from ..server.store import JobStore

    store = JobStore(_db_url(args))
    try:
        for name in store.user_names():
            print(name)
    finally:
        store.close()
    return 0
