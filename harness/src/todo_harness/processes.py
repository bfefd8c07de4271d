"""Run a service as a real process on a free loopback port, and stop it by process group."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A free loopback port picked at random from a wide range.

    Not the kernel's `bind(0)`, which hands concurrent test sessions the same recently freed
    ports; a restarted service could then find its port taken by another session's server.
    """
    while True:
        port = random.randint(20_000, 59_999)
        if _port_is_free(port):
            return port


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no obstacle
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """Status code of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def listening_pids(port: int) -> set[int]:
    return {
        c.pid
        for c in psutil.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid
    }


def owns_port(process: subprocess.Popen[bytes], port: int) -> bool:
    """True when `process` or one of its children listens on `port` (not some other program)."""
    try:
        family = {process.pid} | {c.pid for c in psutil.Process(process.pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return False
    return bool(listening_pids(port) & family)


def wait_for(
    url: str, timeout: float = 30.0, status: int = 200, process: subprocess.Popen[bytes] | None = None
) -> float:
    """Poll `url` until it answers `status`; return the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        if http_status(url, timeout=1.0) == status:
            return time.monotonic() - start
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer {status} within {timeout}s")


@dataclass
class ServiceProcess:
    """One service started as `command` with `env`; `health_path` says when it is up."""

    name: str
    command: list[str]
    port: int
    env: dict[str, str]
    health_path: str = "/health"
    log_dir: Path | None = None
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def metrics_url(self) -> str:
        """Where a Python service serves its metrics (METRICS_PORT, a port of its own)."""
        return f"http://{LOOPBACK}:{self.env['METRICS_PORT']}/metrics"

    @classmethod
    def python_module(cls, name: str, module: str, env: dict[str, str], **kwargs: object) -> ServiceProcess:
        port = free_port()
        # A metrics port of its own, unless the caller chose one: concurrent test sessions never share one.
        full_env = {**os.environ, "METRICS_PORT": str(free_port()), **env, "HOST": LOOPBACK, "PORT": str(port)}
        return cls(name=name, command=[sys.executable, "-m", module], port=port, env=full_env, **kwargs)  # type: ignore[arg-type]

    def start(self, timeout: float = 30.0) -> float:
        """Start the process and wait for health; returns seconds to healthy."""
        if not _port_is_free(self.port):
            raise RuntimeError(f"port {self.port} is already in use; {self.name} cannot start")
        out: int | IO[bytes] = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{self.name}.log", "ab")
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            seconds = wait_for(self.url + self.health_path, timeout=timeout, process=self.process)
            if not owns_port(self.process, self.port):  # another program answered on our port
                raise RuntimeError(f"{self.name}: port {self.port} answers, but not from this process")
            return seconds
        except Exception:
            self.stop()
            raise

    @contextlib.contextmanager
    def running(self, timeout: float = 30.0) -> Iterator[ServiceProcess]:
        """`with process.running():` started and healthy inside, stopped after (however it ends)."""
        self.start(timeout=timeout)
        try:
            yield self
        finally:
            self.stop()

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 25.0) -> int | None:
        """SIGTERM the process group, escalate to SIGKILL after `timeout`; return the exit code."""
        if self.process is None:
            return None
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=5)
        code = self.process.returncode
        self.process = None
        return code

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=5)
            self.process = None

    def restart(self, timeout: float = 30.0) -> float:
        self.stop()
        return self.start(timeout=timeout)
