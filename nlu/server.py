"""Run "rasa run --enable-api" as a child process and wait until it answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

from nlu.training import RASA, RASA_ENV, ROOT


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_healthy(url: str, timeout: float = 1.0) -> bool:
    """Tell whether a Rasa server at url has a model loaded and parses."""
    try:
        r = httpx.post(f"{url}/model/parse", json={"text": "hello"}, timeout=timeout)
        return r.status_code == 200 and "intent" in r.json()
    except (httpx.HTTPError, ValueError):
        return False


class RasaServer:
    """A Rasa NLU server owned by this process."""

    def __init__(self, model: Path, url: str, log_path: Path):
        self.model = model
        self.url = url.rstrip("/")
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> None:
        """Start the server and block until it parses, or raise."""
        parsed = urlparse(self.url)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        cmd = [
            str(RASA),
            "run",
            "--enable-api",
            "--model",
            str(self.model),
            "--interface",
            parsed.hostname or "127.0.0.1",
            "--port",
            str(parsed.port or 5005),
        ]
        env = {**os.environ, **RASA_ENV}
        self.proc = subprocess.Popen(
            cmd,
            cwd=str(ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rasa exited with {self.proc.returncode}; see {self.log_path}")
            if is_healthy(self.url):
                return
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(
            f"rasa did not become healthy within {timeout:.0f}s; see {self.log_path}"
        )

    def stop(self) -> None:
        """Stop the server and its children."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)

    def pid(self) -> int | None:
        """Return the server's process id."""
        return self.proc.pid if self.proc else None

    def __enter__(self) -> RasaServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
