"""The loopback simulator server: moto's WSGI dispatcher plus the gitops-sm extensions.

Called by ``gitops_sm.sandbox.start_server`` (the CLI's in-process ``--sandbox`` mode, tests) and
``gitops_sm.sandbox.serve`` (``gitops-sm sandbox serve --port N``). Clients reach it exactly as
they reach AWS, with ``AWS_ENDPOINT_URL=http://127.0.0.1:N`` and any fake credentials.
"""

from __future__ import annotations

import sys
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from gitops_sm.sandbox import extensions, persistence, timing


class _QuietRequestHandler(WSGIRequestHandler):
    """No per-request access log on stderr: the CLI's output must stay the CLI's."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    """One HTTP request the simulator received: the API operation (``X-Amz-Target``'s or the query
    ``Action``), the Host header and the path."""

    operation: str
    host: str
    path: str


class _RecordingMiddleware:
    """WSGI wrapper that remembers every request, so a test can prove that no call reached AWS."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        operation = target.rsplit(".", 1)[-1] if target else ""
        if not operation:
            query = urllib.parse.parse_qs(str(environ.get("QUERY_STRING", "")))
            operation = (query.get("Action") or [""])[0]
        entry = RecordedRequest(
            operation=operation, host=str(environ.get("HTTP_HOST", "")), path=str(environ.get("PATH_INFO", ""))
        )
        with self._lock:
            self.requests.append(entry)
        return self._app(environ, start_response)

    def take(self) -> tuple[RecordedRequest, ...]:
        with self._lock:
            return tuple(self.requests)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


class SandboxServer:
    """A running simulator on a loopback port; ``with start_server() as s: ... s.url``."""

    def __init__(self, *, host: str, port: int, state_file: Path | None, lock_wait_seconds: float = 0.0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        timing.current_timing()  # a bad GITOPS_SM_SANDBOX_* value fails here, not in every request
        extensions.install()
        self._state_file = state_file
        self._lock: persistence.StateLock | None = None
        if state_file is not None:
            self._lock = persistence.StateLock(state_file)
            self._lock.acquire(wait_seconds=lock_wait_seconds, on_wait=_tell)
            persistence.load_state(state_file)
        app: Any = DomainDispatcherApplication(create_backend_app)
        if state_file is not None:
            app = persistence.SavingMiddleware(app, state_file)
        self._recording = _RecordingMiddleware(app)
        app = self._recording
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="gitops-sm-sandbox",
            daemon=True,
        )
        self._thread.start()
        self._stopped = False

    @property
    def state_file(self) -> Path | None:
        return self._state_file

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Forget every resource in every service, the request log, and go back to the default timing."""
        reset()
        self._recording.clear()

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        """Every request received since start or the last ``reset()``/``clear_requests()``, in order."""
        return self._recording.take()

    def clear_requests(self) -> None:
        self._recording.clear()

    def advance_clock(self, seconds: float) -> None:
        """Move the simulator's clock forward (in-process servers only)."""
        timing.advance_clock(seconds)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        try:
            if self._state_file is not None:
                persistence.save_state(self._state_file)
        finally:
            if self._lock is not None:
                self._lock.release()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _tell(message: str) -> None:
    print(f"gitops-sm sandbox: {message}", file=sys.stderr, flush=True)


def reset() -> None:
    """Wipe all moto state (every service, account and region) and the sandbox clock/timing."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
    timing.reset_timing()


def serve(*, host: str = "127.0.0.1", port: int = 5000, state_file: Path | None = None) -> None:
    """Run the simulator until Ctrl-C (``gitops-sm sandbox serve --port N``)."""
    server = SandboxServer(host=host, port=port, state_file=state_file)
    print(f"gitops-sm sandbox listening on {server.url}", flush=True)
    print(
        f"  export AWS_ENDPOINT_URL={server.url} AWS_ACCESS_KEY_ID=testing "
        "AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1",
        flush=True,
    )
    stopped = threading.Event()
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("gitops-sm sandbox stopped", flush=True)
    finally:
        server.stop()
