"""``detente app``: the web app (Streamlit), bound to localhost by default.

(The module is not called ``app.py``: that name would shadow the Typer ``app`` of
:mod:`detente.cli` once imported.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from .common import err_console

__all__ = ["UPLOAD_MEGABYTES", "app_command", "register", "streamlit_command"]

UPLOAD_MEGABYTES = 2
"""Streamlit refuses larger uploads before the app reads them (the app's own limit is 2,000,000 bytes)."""


def register(app: typer.Typer) -> None:
    app.command("app")(app_command)


def streamlit_command(port: int = 8501, address: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line that serves the app.

    >>> cmd = streamlit_command(9000)
    >>> cmd[1:4], "--server.address" in cmd, cmd[cmd.index("--server.port") + 1]
    (['-m', 'streamlit', 'run'], True, '9000')
    """
    from detente.app import main  # keep: the web app (streamlit, +0.22 s) only for `detente app`

    script = Path(main.__file__ or "")
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.address", address,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--client.showErrorDetails", "none",
        "--server.maxUploadSize", str(UPLOAD_MEGABYTES),
    ]  # fmt: skip


def app_command(
    port: int = typer.Option(8501, "--port", "-p", help="Port to listen on."),
    address: str = typer.Option(
        "127.0.0.1", "--address", help="Address to bind (default: this machine only; 0.0.0.0 exposes it)."
    ),
) -> None:
    """Start the web app: pick or upload a scenario, edit it, run each analysis, download the report."""
    if not 0 < port < 65536:
        err_console.print(f"[bold red]error:[/] --port: expected 1..65535, found {port}")
        raise typer.Exit(2)
    cmd = streamlit_command(port, address)
    err_console.print(f"detente app on http://{address}:{port} (Ctrl-C to stop)", highlight=False)
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if os.name == "posix":
        # Become the server: a signal to this process (Ctrl-C, a test's terminate()) reaches Streamlit
        # itself, and no orphaned server is left behind.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(cmd[0], cmd, env)
    try:
        code = subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)
