"""`govsim viz [SCENARIO] [--port N] [--host H]`: serve the interactive page locally.

Starts `solara run sim/viz/app.py` in production mode on 127.0.0.1 (all interfaces only
when `--host 0.0.0.0` is asked for), passing the scenario in $GOVSIM_VIZ_SCENARIO, and
prints the address before the server starts.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from ..scenario import ScenarioError, load_spec

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
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port 0-65535 (default {DEFAULT_PORT}; 0 = any free port)",
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}, this machine only)"
    )
    p.add_argument("--dry-run", action="store_true", help="print the address and the server command, start nothing")
    p.set_defaults(func=cmd_viz)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def check_listen(host: str, port: int) -> None:
    """Refuse, in one line, an address the server could not listen on: a host name that does
    not resolve, an address that is not this machine's, a port in use or reserved."""
    try:
        socket.getaddrinfo(host, port, _family(host), socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise ScenarioError(
            f"--host {host}: cannot resolve this name ({e}); expected an address of this machine, e.g. 127.0.0.1"
        ) from None
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise ScenarioError(
                    f"--port {port}: {host}:{port} is already in use; expected a free port "
                    "(another `govsim viz`? try --port 0 for any free one)"
                ) from None
            if e.errno == errno.EACCES:
                raise ScenarioError(
                    f"--port {port}: not allowed to listen on {host}:{port} ({e.strerror}); expected a port "
                    "above 1023, or 0 for any free one"
                ) from None
            raise ScenarioError(
                f"--host {host}: cannot listen on this address ({e.strerror or e}); expected an address of "
                "this machine, e.g. 127.0.0.1 or 0.0.0.0"
            ) from None


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            return e.errno == errno.EADDRINUSE
    return False


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def server_command(scenario: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> tuple[list[str], dict, str]:
    """(command, environment, address) that serve the page; checks the scenario first
    (a bad one raises ScenarioError, which the CLI prints as one line, exit 2)."""
    from .params import ENV_SCENARIO  # loads the model: only once a page will be served

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
    if not 0 <= args.port <= 65535:
        raise ScenarioError(f"--port {args.port}: expected a port number 0-65535 (0 = any free port)")
    check_listen(args.host, args.port)
    cmd, env, url = server_command(args.scenario, args.host, args.port)
    print(f"govsim viz: {args.scenario} at {url}", flush=True)
    if args.host in ("0.0.0.0", "::", ""):
        print("note: listening on every network interface, as asked (--host)", flush=True)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    print("stop with Ctrl-C", flush=True)
    return serve(cmd, env)


FORWARDED = (signal.SIGTERM, signal.SIGHUP)  # Ctrl-C's SIGINT reaches the child through the terminal


def serve(cmd: list[str], env: dict) -> int:
    """Run the server as a child and stop it with this process: a SIGTERM or SIGHUP sent to
    `govsim viz` is passed on to it and waited for (killed after 10 s), so no server is left
    listening when govsim ends."""
    child = subprocess.Popen(cmd, env=env)
    received: list[int] = []

    def forward(signum, _frame) -> None:
        received.append(signum)
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    code = 130
    try:
        code = child.wait()
    except KeyboardInterrupt:  # Ctrl-C: the child got it too; give it time to stop (below)
        pass
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 + received[0] if received else code
