"""``multipolar serve``: start the web dashboard (FastAPI app served by uvicorn).

Binds to 127.0.0.1 by default; any other host needs ``--token`` (clients then open
``/?token=TOKEN`` once, or send ``Authorization: Bearer TOKEN``). Runs are kept in ``--runs``
and survive restarts. Depends on Typer, uvicorn and :mod:`multipolar.web`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from multipolar.cli.common import console, user_errors


def serve(
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Interface to bind (loopback by default)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    corpus: Path = typer.Option(None, "--corpus",
                                help="Folder of seed .txt documents for the evidence viewer."),
    runs: Path = typer.Option(Path("multipolar-runs"), "--runs",
                              help="Folder where runs are stored (and past runs are found)."),
    token: str = typer.Option(None, "--token", envvar="MULTIPOLAR_TOKEN",
                              help="Access token; required when --host is not loopback."),
    queue: int = typer.Option(8, "--queue", help="Most runs waiting at once (more get 429)."),
    workers: int = typer.Option(1, "--workers", help="Runs executed at the same time."),
    check: bool = typer.Option(False, "--check",
                               help="Validate the options and build the app, then exit."),
) -> None:
    """Start the web dashboard: run scenarios, watch progress, compare and download results."""
    # lazy: keeps start-up fast (loads fastapi, pydantic)
    from multipolar.web import Settings, create_app

    with user_errors():
        settings = Settings(runs_dir=runs, corpus=corpus, token=token, host=host, port=port,
                            queue_size=queue, workers=workers)
        app = create_app(settings)
    if check:
        console.print(f"ok: would serve on http://{host}:{port} with runs in {settings.runs_dir}")
        return
    # lazy: keeps start-up fast (loads uvicorn)
    import uvicorn

    where = f"http://{host}:{port}/" + (f"?token={token}" if token else "")
    console.print(f"multipolar dashboard on [bold]{where}[/] (runs in {settings.runs_dir}; "
                  "Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def register(app: typer.Typer) -> None:
    """Add ``multipolar serve`` to the CLI."""
    app.command("serve")(serve)
