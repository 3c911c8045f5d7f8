"""Drill: PostgreSQL drops the app's connection, between two requests and in the middle of one.

Injected: ``SELECT pg_terminate_backend(pid)`` from a second connection on the backend that
serves a real WSGI server (Django's handler, one thread, so its connection persists between
requests as under gunicorn with CONN_MAX_AGE). Protections: CONN_HEALTH_CHECKS checks a
persistent connection before a request uses it, so a connection dropped between requests
costs nothing; a connection dropped mid-request gives the site's own 500 page (translated, no
traceback), and the broken connection is closed after the response, so the next request works.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.error
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True)]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class DrillServer:
    """Django's WSGI handler in one thread; `drop_next_query` terminates its backend mid-request."""

    def __init__(self) -> None:
        self.backend_pid: int | None = None  # the server thread's PostgreSQL backend, once it has one
        self.django = WSGIHandler()
        self.drop_next_query = False
        self.httpd: WSGIServer = make_server("127.0.0.1", 0, self.app, handler_class=QuietHandler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        try:
            self.httpd.serve_forever(poll_interval=0.05)
        finally:
            connections.close_all()  # this thread's connection

    def app(self, environ, start_response):
        if not self.drop_next_query:
            response = self.django(environ, start_response)
            self.note_backend()
            return response
        self.drop_next_query = False
        dropped = []

        def terminate_first(execute, sql, params, many, context):
            if not dropped:
                dropped.append(sql)
                self.note_backend()
                terminate_backend(self.backend_pid)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(terminate_first):
            response = self.django(environ, start_response)
        assert dropped, "the request ran no query"
        return response

    def note_backend(self) -> None:
        """Remember this thread's backend pid (without a query): only it is dropped, never the
        suite's other connections (a session-wide Celery worker's, say)."""
        raw = connection.connection
        if raw is not None and not raw.closed:
            self.backend_pid = raw.info.backend_pid

    def get(self, path: str, session: str) -> tuple[int, str]:
        request = urllib.request.Request(
            self.url + path, headers={"Cookie": f"sessionid={session}", "Accept-Language": "en"}
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.thread.join(timeout=10)
        self.httpd.server_close()


def terminate_backend(pid: int | None) -> bool:
    """From a connection of its own: end the backend `pid`, and wait till it is gone."""
    assert pid is not None, "the server has no database connection yet"
    with contextlib.closing(connections.create_connection("default")) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        terminated = bool(cursor.fetchone()[0])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.02)
    return terminated


@pytest.fixture
def server(client, alice):
    if connection.vendor != "postgresql":
        pytest.skip("drops a PostgreSQL backend; CI runs this on PostgreSQL")
    client.force_login(alice)
    drill = DrillServer()
    drill.session = client.cookies["sessionid"].value
    yield drill
    drill.stop()


def test_a_connection_dropped_between_requests_is_replaced_before_the_next_one(server, settings):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0, "a persistent connection, as in production"
    assert server.get("/", server.session)[0] == 200
    assert terminate_backend(server.backend_pid), "the server's persistent connection was dropped"
    started = time.monotonic()
    status, _page = server.get("/", server.session)
    assert status == 200, "the health check noticed the dead connection and opened a new one"
    print(f"dropped between requests: next request 200 in {time.monotonic() - started:.2f} s")


def test_a_connection_dropped_mid_request_gives_the_clean_error_page_and_the_next_request_works(server):
    assert server.get("/", server.session)[0] == 200
    server.drop_next_query = True
    status, page = server.get("/", server.session)
    assert status == 500
    assert "Something went wrong on our side" in page, "the site's own error page"
    assert '<html lang="en">' in page, "in the visitor's language"
    for leak in ("Traceback", "OperationalError", "terminating connection", "SELECT"):
        assert leak not in page
    started = time.monotonic()
    status, page = server.get("/", server.session)
    assert status == 200, "the broken connection was closed after the 500; this request has a new one"
    print(f"dropped mid-request: 500 page, next request 200 in {time.monotonic() - started:.2f} s")
