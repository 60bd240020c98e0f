"""Smoke test of a running PartnerHub over real HTTP, with the standard library only.

    python scripts/smoke_http.py http://127.0.0.1:8000 --login admin@riverside.example \
        --password partnerhub-demo --expect "Riverside Youth Employment Collective"

Checks that /health/ answers 200 with every dependency ok, that the login page loads,
and that a login through the form (CSRF cookie and token, like a browser) lands on a
page naming the expected workspace. Exits non-zero with a message on the first failure.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import NoReturn

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class ProxiedHttpsCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Behind a TLS-terminating proxy the client's connection is HTTPS: send Secure cookies."""

    def return_ok_secure(
        self, cookie: http.cookiejar.Cookie, request: urllib.request.Request
    ) -> bool:
        return True


class Session:
    def __init__(self, base_url: str, host_header: str | None, https_proxy_header: bool):
        self.base_url = base_url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.base_url)
        policy = ProxiedHttpsCookiePolicy() if https_proxy_header else None
        self.cookies = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.headers = {"User-Agent": "partnerhub-smoke"}
        if host_header:
            self.headers["Host"] = host_header
        if https_proxy_header:
            # As a TLS-terminating proxy would say, so a production server does not redirect.
            self.headers["X-Forwarded-Proto"] = "https"
        scheme = "https" if https_proxy_header else parsed.scheme
        # What a browser sends as Origin: the address the user sees.
        self.origin = f"{scheme}://{host_header or parsed.netloc}"

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        url = self.base_url + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = dict(self.headers)
        if data is not None:
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode(errors="replace")


def fail(message: str) -> NoReturn:
    sys.exit(f"smoke: FAILED: {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--expect", required=True, help="text the landing page must show")
    parser.add_argument("--host-header", help="Host header to send (for ALLOWED_HOSTS)")
    parser.add_argument("--https-proxy-header", action="store_true")
    args = parser.parse_args()
    session = Session(args.base_url, args.host_header, args.https_proxy_header)

    status, _, body = session.request("/health/")
    if status != 200:
        fail(f"/health/ answered {status}: {body[:300]}")
    checks = json.loads(body)["checks"]
    for name in ("database", "cache", "broker"):
        if checks[name]["status"] != "ok":
            fail(f"/health/ {name}: {checks[name]}")
    report = ", ".join(f"{k}={v['status']}" for k, v in checks.items())
    sys.stdout.write(f"smoke: /health/ 200 ({report})\n")

    status, _, body = session.request("/accounts/login/")
    match = CSRF_INPUT.search(body)
    if status != 200 or not match:
        fail(f"/accounts/login/ answered {status} without a CSRF token")
    sys.stdout.write("smoke: /accounts/login/ 200\n")

    form = {"csrfmiddlewaretoken": match.group(1), "login": args.login, "password": args.password}
    status, landed, body = session.request("/accounts/login/", form)
    if status != 200:
        fail(f"login POST ended with {status} at {landed}")
    if "/accounts/login/" in landed:
        fail(f"login refused for {args.login} (still on the login page)")
    if args.expect not in body:
        fail(f"landing page {landed} does not show {args.expect!r}")
    sys.stdout.write(f"smoke: logged in as {args.login}, landed on {landed} (200)\n")


if __name__ == "__main__":
    main()
