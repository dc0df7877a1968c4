"""`govsim viz [SCENARIO] [--port N] [--host H]`: serve the interactive page locally.

Starts `solara run sim/viz/app.py` in production mode on 127.0.0.1 (all interfaces only
when `--host 0.0.0.0` is asked for), passing the scenario in $GOVSIM_VIZ_SCENARIO, and
prints the address before the server starts.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

from ..scenario import load_spec
from .params import ENV_SCENARIO

APP = Path(__file__).resolve().with_name("app.py")
CHINA_APP = APP.with_name("china.py")  # the national view, for a scenario with [diffusion]
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def register(sub) -> None:
    p = sub.add_parser(
        "viz",
        help="interactive browser page: reform switches, network view, live charts (Mesa SolaraViz)",
        description="Serve a Mesa SolaraViz page for one scenario: choose preset, seed and each reform's "
        "switch and strength, then reset / step / play; watch the agency network and the key measures. "
        "Listens on 127.0.0.1 unless --host says otherwise. See docs/viz.md.",
    )
    p.add_argument("scenario", nargs="?", default="baseline", help="preset name or TOML file (default: baseline)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    p.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}, this machine only)"
    )
    p.add_argument("--dry-run", action="store_true", help="print the address and the server command, start nothing")
    p.set_defaults(func=cmd_viz)


def free_port(host: str = DEFAULT_HOST) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def server_command(scenario: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> tuple[list[str], dict, str]:
    """(command, environment, address) that serve the page; checks the scenario first
    (a bad one raises ScenarioError, which the CLI prints as one line, exit 2)."""
    app = CHINA_APP if load_spec(scenario)[0].diffusion is not None else APP
    path = Path(scenario)
    if path.suffix == ".toml" or path.is_file():
        scenario = str(path.resolve())  # the server may resolve paths from another folder
    if port == 0:
        port = free_port(host)
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(app),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]
    env = {**os.environ, ENV_SCENARIO: scenario}
    return cmd, env, url_for(host, port)


def cmd_viz(args: argparse.Namespace) -> int:
    if args.port and port_in_use(args.host, args.port):
        print(
            f"error: --port {args.port}: {args.host}:{args.port} is already in use; "
            "expected a free port (another `govsim viz`? try --port 0 for any free one)",
            file=sys.stderr,
        )
        return 2
    cmd, env, url = server_command(args.scenario, args.host, args.port)
    print(f"govsim viz: {args.scenario} at {url}", flush=True)
    if args.host in ("0.0.0.0", "::", ""):
        print("note: listening on every network interface, as asked (--host)", flush=True)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    print("stop with Ctrl-C", flush=True)
    return subprocess.call(cmd, env=env)
