"""GET of a JWK Set URI for the component's `fetch-jwks` import.

HTTPS only (plain http only to 127.0.0.1, ::1 or localhost), separate connect and read
timeouts, a 256 KiB cap on the body, at most 3 redirects and only to the same origin, and
`Cache-Control: max-age` read. Failures raise FetchError with a log-safe message.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import time
from urllib.parse import urljoin, urlsplit

__all__ = ["JwksFetcher", "FetchError", "MAX_BODY_BYTES"]

MAX_BODY_BYTES = 256 * 1024
MAX_REDIRECTS = 3
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)


class FetchError(Exception):
    """Network, TLS, timeout, size-cap or redirect-policy failure (log-safe text)."""


def _origin(url: str) -> tuple[str, str, int]:
    u = urlsplit(url)
    scheme = u.scheme.lower()
    if scheme not in ("https", "http"):
        raise FetchError(f"unsupported scheme {scheme!r}")
    host = (u.hostname or "").lower()
    if not host:
        raise FetchError("no host in the URI")
    if scheme == "http" and host not in _LOOPBACK:
        raise FetchError("plain http is only allowed to the loopback address")
    try:
        port = u.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError("invalid port") from None
    return scheme, host, port


def max_age(cache_control: str | None) -> int | None:
    """`max-age` of a Cache-Control value, clamped to u32 (None without one)."""
    if not cache_control:
        return None
    m = _MAX_AGE.search(cache_control)
    return None if m is None else min(int(m.group(1)), 2**32 - 1)


class JwksFetcher:
    """A callable `fetch(uri) -> (status, body, max_age)`."""

    def __init__(self, connect_timeout: float = 5.0, read_timeout: float = 5.0,
                 max_bytes: int = MAX_BODY_BYTES, ssl_context: ssl.SSLContext | None = None):
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_bytes = max_bytes
        self.ssl_context = ssl_context or ssl.create_default_context()

    def __call__(self, uri: str) -> tuple[int, str, int | None]:
        origin = _origin(uri)
        url = uri
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, body = self._get(url)
            if status in (301, 302, 303, 307, 308):
                location = headers.get("location")
                if not location:
                    raise FetchError(f"redirect {status} without a Location")
                url = urljoin(url, location)
                if _origin(url) != origin:
                    raise FetchError("cross-origin redirect refused")
                continue
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise FetchError("the JWK Set is not UTF-8") from None
            return status, text, max_age(headers.get("cache-control"))
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _get(self, url: str) -> tuple[int, dict[str, str], bytes]:
        scheme, host, port = _origin(url)
        u = urlsplit(url)
        target = (u.path or "/") + (f"?{u.query}" if u.query else "")
        if scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=self.connect_timeout, context=self.ssl_context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.connect_timeout)
        deadline = time.monotonic() + self.connect_timeout + self.read_timeout
        try:
            conn.connect()
            if conn.sock is not None:
                conn.sock.settimeout(self.read_timeout)
            conn.request("GET", target, headers={
                "Accept": "application/jwk-set+json, application/json",
                "User-Agent": "xaa-token-python"})
            resp = conn.getresponse()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            length = headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > self.max_bytes:
                raise FetchError(f"the JWK Set exceeds {self.max_bytes} bytes")
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchError("timed out")
                chunk = resp.read(min(65536, self.max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(f"the JWK Set exceeds {self.max_bytes} bytes")
            return resp.status, headers, b"".join(chunks)
        except FetchError:
            raise
        except (socket.timeout, TimeoutError):
            raise FetchError("timed out") from None
        except ssl.SSLError as e:
            raise FetchError(f"TLS: {e.reason or 'handshake failed'}") from None
        except (OSError, http.client.HTTPException) as e:
            raise FetchError(f"{type(e).__name__}: {e}") from None
        finally:
            conn.close()
