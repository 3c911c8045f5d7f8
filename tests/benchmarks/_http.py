"""A minimal browser for the benchmark's set-up requests: cookies, a login with its CSRF token,
and opening a client link. The measurements themselves are wrk's."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlencode, urlsplit

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def cookie_header(self, *names: str) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items() if not names or k in names)

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = self.cookie_header()
            body = None
            if data is not None:
                body = urlencode(data)
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value in ("", '""') or "max-age=0" in header.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            return response.status, response.headers, content
        finally:
            conn.close()

    def get(self, path: str, headers: dict | None = None):
        return self.request("GET", path, headers=headers)

    def login(self, username: str, password: str) -> None:
        """A real login: GET the form for its CSRF token, POST it, keep the session cookie."""
        status, _headers, body = self.get("/accounts/login/")
        match = CSRF_FIELD.search(body.decode())
        if status != 200 or match is None:
            raise RuntimeError(f"the login page answered {status} without a CSRF field")
        status, headers, _body = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)},
        )
        location = headers.get("Location", "")
        if status != 302 or "login" in location or "sessionid" not in self.cookies:
            raise RuntimeError(
                f"logging in as {username} failed: {status} -> {location!r} (two-factor, a lock-out or a wrong password?)"
            )

    def open_link(self, token: str) -> str:
        """Open an emailed /l/<token>/ link; returns the token-less page it sends the browser to."""
        status, headers, _body = self.get(f"/l/{token}/")
        if status != 302:
            raise RuntimeError(f"opening a client link answered {status}")
        return urlsplit(headers["Location"]).path
