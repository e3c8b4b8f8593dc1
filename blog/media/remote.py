"""Images fetched over HTTP(S) during an import (``import_posts --fetch-images``), so a
migrated blog stops depending on its old host.

A fetch is bounded: a timeout on every network step and on the whole download, a size cap
(the upload limit), at most ``MAX_REDIRECTS`` redirects, http and https only. The address
of the post's image comes from the imported files, not from the operator, so by default a
host that resolves to a loopback, private, link-local or otherwise non-public address is
refused (a post must not make the importer read the intranet or a cloud metadata service);
the connection goes to the address that was checked, never to a second lookup of the name.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile

from blog.media.images import ImageRejected, store_upload
from blog.media.models import Image

MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = 10.0  # seconds, for each image
USER_AGENT = "FieldNotes-import/1 (image migration)"
_REDIRECTS = {301, 302, 303, 307, 308}


class FetchFailed(Exception):
    """Why an image could not be fetched, in a sentence for the import's report."""


def is_remote(src: str) -> bool:
    """Whether ``src`` is an http(s) URL (or protocol-relative ``//host/…``) to fetch."""
    scheme = urlsplit(src.strip()).scheme.lower()
    return scheme in ("http", "https") or (not scheme and src.strip().startswith("//"))


@dataclass
class Fetched:
    data: bytes
    url: str  # after redirects
    content_type: str


@dataclass
class RemoteImages:
    """Fetches images for one import run: each URL at most once per run.

    ``allow_private`` lets an operator migrate from a host on their own network; tests use
    it for their local server.
    """

    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = 0  # 0: the upload limit, MEDIA_MAX_UPLOAD_BYTES
    allow_private: bool = False
    fetched: dict[str, Fetched | str] = field(default_factory=dict)

    def fetch(self, url: str) -> Fetched:
        """The bytes at ``url``; raises FetchFailed with the reason otherwise."""
        if url not in self.fetched:
            try:
                self.fetched[url] = self._fetch(url)
            except FetchFailed as failed:
                self.fetched[url] = str(failed)
        known = self.fetched[url]
        if isinstance(known, str):
            raise FetchFailed(known)
        return known

    def store(self, url: str, alt_text: str = "") -> Image:
        """The media library's copy of the image at ``url``. Raises FetchFailed, or
        ImageRejected with the reason (the URL names the file) when the library refuses it."""
        fetched = self.fetch(url)
        name = os.path.basename(unquote(urlsplit(fetched.url).path)) or "image"
        try:
            image, _ = store_upload(ContentFile(fetched.data, name=name), alt_text=alt_text)
        except ImageRejected as rejected:
            raise ImageRejected(str(rejected).removeprefix(f"{name}: ")) from None
        return image

    def _fetch(self, url: str) -> Fetched:
        limit = self.max_bytes or settings.MEDIA_MAX_UPLOAD_BYTES
        deadline = time.monotonic() + self.timeout
        current = "https:" + url.strip() if url.strip().startswith("//") else url.strip()
        for _ in range(MAX_REDIRECTS + 1):
            response, connection = self._request(current, deadline)
            try:
                if response.status in _REDIRECTS:
                    location = response.getheader("Location")
                    if not location:
                        raise FetchFailed(f"HTTP {response.status} without a Location")
                    current = urljoin(current, location)
                    continue
                if response.status != 200:
                    raise FetchFailed(f"HTTP {response.status} {response.reason}".strip())
                length = response.getheader("Content-Length")
                if length and length.isdigit() and int(length) > limit:
                    raise FetchFailed(f"larger than the {_megabytes(limit)} limit")
                data = self._read(connection, response, limit, deadline)
                return Fetched(data, current, response.getheader("Content-Type", ""))
            finally:
                connection.close()
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    def _request(
        self, url: str, deadline: float
    ) -> tuple[http.client.HTTPResponse, _PinnedHTTP | _PinnedHTTPS]:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchFailed(f"not an http(s) address: {url}")
        host = parts.hostname
        if not host:
            raise FetchFailed(f"no host in {url}")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchFailed(f"bad port in {url}") from None
        address = self._address(host, port)
        timeout = _remaining(deadline)
        if scheme == "https":
            connection: _PinnedHTTP | _PinnedHTTPS = _PinnedHTTPS(
                host, port, address, timeout=timeout
            )
        else:
            connection = _PinnedHTTP(host, port, address, timeout=timeout)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
            return connection.getresponse(), connection
        except (OSError, http.client.HTTPException, ssl.SSLError) as error:
            connection.close()
            raise FetchFailed(_describe(error)) from None

    def _address(self, host: str, port: int) -> str:
        """The first address of ``host`` that may be fetched from."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise FetchFailed(f"host {host} not found ({error})") from None
        for info in infos:
            address = info[4][0]
            if self.allow_private or ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                return address
        raise FetchFailed(
            f"host {host} is on a private or local network; "
            "use --fetch-images-from-private-hosts to allow it"
        )

    def _read(
        self,
        connection: _PinnedHTTP | _PinnedHTTPS,
        response: http.client.HTTPResponse,
        limit: int,
        deadline: float,
    ) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                # A server sending a byte at a time must not outlast the deadline: each
                # receive waits at most for what is left, and read1() returns after one.
                connection.pinned.settimeout(_remaining(deadline))
                chunk = response.read1(64 * 1024)
            except (OSError, http.client.HTTPException) as error:
                raise FetchFailed(_describe(error)) from None
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise FetchFailed(f"larger than the {_megabytes(limit)} limit")
            chunks.append(chunk)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to an address checked beforehand; the Host header keeps the name."""

    def __init__(self, host: str, port: int, address: str, **kwargs) -> None:
        super().__init__(host, port, **kwargs)
        self.address = address
        # The socket, kept: http.client drops self.sock once the response owns it.
        self.pinned: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.pinned = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, with the certificate checked against the host's name."""

    def __init__(self, host: str, port: int, address: str, **kwargs) -> None:
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address
        self.pinned: socket.socket | None = None

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.pinned = self._context.wrap_socket(sock, server_hostname=self.host)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchFailed("timed out")
    return left


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate not valid: {error.verify_message}"
    return str(error) or type(error).__name__


def _megabytes(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB"
