"""A real gunicorn server as a subprocess, and a small HTTP client on http.client (standard library only).

The server runs `gunicorn -w N -b 127.0.0.1:PORT 'app:create_app()'` from the repository with
SIKANDA_ENV=development (the production settings but for Secure cookies; the documents after a step follow
the app's default), a random SIKANDA_SECRET_KEY, and SIKANDA_DATABASE_URL / SIKANDA_UPLOAD_DIR pointing at
the part's database and work directory. Other SIKANDA_* variables of the environment pass through (e.g.
SIKANDA_DOCUMENTS_AFTER_STEP=inline to measure the documents in the request). gunicorn's sync workers close
the connection after each response, so the client reconnects per request (on 127.0.0.1 that costs ~0.1 ms).
"""
import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

from bench.suite.common import ROOT, say

START_TIMEOUT = 90  # seconds for the workers to import the app and answer


class HttpError(Exception):
    """A non-2xx answer (or a broken connection: status 0); counted as an error of the run."""

    def __init__(self, method, path, status, body):
        self.method, self.path, self.status = method, path, status
        self.excerpt = body[:300].decode('utf-8', 'replace') if isinstance(body, bytes) else str(body)[:300]
        super().__init__(f'{method} {path} -> {status}: {self.excerpt}')

    def as_dict(self):
        return {'request': f'{self.method} {self.path}', 'status': self.status, 'body': self.excerpt}


@dataclass
class Response:
    status: int
    headers: object
    body: bytes
    ms: float

    def json(self):
        return json.loads(self.body)


class Client:
    """One connection to the server (reopened when the server closes it) and the cookies it was given."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, expect=(200,)):
        """The response; HttpError unless its status is in `expect`."""
        headers = {'User-Agent': 'sikanda-bench', **(headers or {})}
        if self.cookies:
            headers['Cookie'] = '; '.join(f'{k}={v}' for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError) as exc:
            self.connection.close()
            raise HttpError(method, path, 0, f'{type(exc).__name__}: {exc}') from None
        ms = (time.perf_counter() - started) * 1000
        self._keep_cookies(response.headers.get_all('Set-Cookie') or [])
        if response.status not in expect:
            raise HttpError(method, path, response.status, data)
        return Response(response.status, response.headers, data, ms)

    def api(self, method, path, token, payload=None, expect=(200,)):
        """A JSON API call with a bearer token."""
        headers = {'Authorization': f'Bearer {token}'} if token else {}
        body = None
        if payload is not None:
            body, headers['Content-Type'] = json.dumps(payload).encode(), 'application/json'
        return self.request(method, f'/api/v1{path}', body, headers, expect)

    def token(self, username, password):
        return self.api('POST', '/auth/token', None, {'username': username, 'password': password}).json()['token']

    def web_login(self, username, password):
        """Log in to the HTML pages as a browser does: the form's CSRF token, then the session cookie."""
        from urllib.parse import urlencode

        from tests.helpers import csrf_from
        page = self.request('GET', '/login')
        form = urlencode({'csrf_token': csrf_from(page.body.decode()), 'username': username, 'password': password})
        self.request('POST', '/login', form.encode(), {'Content-Type': 'application/x-www-form-urlencoded'},
                     expect=(302, 303))

    def _keep_cookies(self, headers):
        for header in headers:
            for name, morsel in SimpleCookie(header).items():
                if morsel['max-age'] == '0' or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def close(self):
        self.connection.close()


def multipart(fields, files):
    """(body, content type) of a multipart/form-data request: fields [(name, value)], files [(name, filename,
    bytes, content type)]."""
    boundary = 'sikanda-bench-' + secrets.token_hex(8)
    chunks = []
    for name, value in fields:
        chunks += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode(),
                   str(value).encode(), b'\r\n']
    for name, filename, content, content_type in files:
        chunks += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                   f'Content-Type: {content_type}\r\n\r\n'.encode(), content, b'\r\n']
    chunks.append(f'--{boundary}--\r\n'.encode())
    return b''.join(chunks), f'multipart/form-data; boundary={boundary}'


class Server:
    """`with Server(url, workdir, workers) as server:` — started, answering, and always stopped after."""

    def __init__(self, url, workdir, workers, name):
        self.url, self.workdir, self.workers, self.name = url, Path(workdir), workers, name
        self.port = _free_port()
        self.log = self.workdir / f'gunicorn-{name}.log'
        self.process = None
        self._tokens = {}

    def token(self, username, password):
        """A bearer token per user, issued once per server: argon2 makes each login cost 0.1-0.3 s."""
        if username not in self._tokens:
            client = Client(self.port)
            self._tokens[username] = client.token(username, password)
            client.close()
        return self._tokens[username]

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        env = dict(os.environ, SIKANDA_ENV='development', SIKANDA_SECRET_KEY='bench-' + secrets.token_hex(16),
                   SIKANDA_DATABASE_URL=self.url, SIKANDA_UPLOAD_DIR=str(self.workdir / 'uploads'))
        command = [*_gunicorn(), '-w', str(self.workers), '-b', f'127.0.0.1:{self.port}', '--timeout', '120',
                   '--log-level', 'warning', 'app:create_app()']
        with open(self.log, 'ab') as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_ready()
        say(f'gunicorn {self.name}: {self.workers} worker(s) on 127.0.0.1:{self.port}, pid {self.process.pid}')

    def _wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'gunicorn exited with {self.process.returncode}:\n{self.log_tail()}')
            with contextlib.suppress(HttpError):
                Client(self.port).request('GET', '/api/v1/openapi.json')
                if len(self.worker_pids()) >= self.workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f'gunicorn did not answer within {START_TIMEOUT} s:\n{self.log_tail()}')

    def worker_pids(self):
        """The worker processes (the master's children), not the master."""
        import psutil
        with contextlib.suppress(psutil.NoSuchProcess):
            return [child.pid for child in psutil.Process(self.process.pid).children()]
        return []

    def worker_rss(self):
        """{pid: resident set size in bytes} of each worker."""
        import psutil
        sizes = {}
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.NoSuchProcess):
                sizes[pid] = psutil.Process(pid).memory_info().rss
        return sizes

    def stop(self):
        """SIGTERM to the master (it stops its workers); SIGKILL to the master and its workers if that hangs."""
        import psutil
        if self.process is None or self.process.poll() is not None:
            return
        workers = []
        with contextlib.suppress(psutil.NoSuchProcess):
            workers = psutil.Process(self.process.pid).children()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            for worker in workers:  # psutil checks the pid still names the same process
                with contextlib.suppress(psutil.NoSuchProcess):
                    worker.kill()

    def log_tail(self, lines=30):
        with contextlib.suppress(OSError):
            return '\n'.join(self.log.read_text(errors='replace').splitlines()[-lines:])
        return ''


def _gunicorn():
    executable = Path(sys.executable).with_name('gunicorn')
    return [str(executable)] if executable.exists() else [sys.executable, '-m', 'gunicorn']


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]
