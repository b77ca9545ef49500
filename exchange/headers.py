"""Security headers on every response, set in one place (one after_request).

The Content-Security-Policy allows scripts and styles from this origin only: no template
holds an inline ``<script>`` (page data travels in ``<script type="application/json">``
blocks, which are never executed) and no template or script writes a ``style`` attribute
(scripts set styles through ``element.style``, which CSP does not restrict), so neither
``script-src`` nor ``style-src`` needs ``'unsafe-inline'``. Map tiles (MAP_TILE_URL) may be
loaded as images from their server and the place search (GEOCODER_URL) may be asked from the
browser; Socket.IO connects to this host over ws/wss.

A view may set a stricter policy of its own (document downloads: ``default-src 'none';
sandbox``, in which nothing runs); it is kept as it is, and X-Frame-Options: DENY still
keeps such an answer out of frames.
docs/security.md lists every header and why.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request


def origin_of(url: str) -> str | None:
    """The scheme://host[:port] of a configured URL (a Leaflet template such as
    ``https://tiles.example.org/{z}/{x}/{y}.png`` included); None when it has none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(
    tile_url: str = "", geocoder_url: str = "", websocket_origin: str = ""
) -> str:
    """The page policy: everything from this origin, images also from the tile server and
    as data: URIs (the favicon, the API docs' icons), fetches also to the geocoder and the
    socket's ws(s) origin; nothing may frame the page, no plugins, no foreign form targets."""
    images = ["'self'", "data:", "blob:"]  # blob: previews of images chosen for upload
    connect = ["'self'"]
    if websocket_origin:
        connect.append(websocket_origin)
    tiles = origin_of(tile_url)
    if tiles:
        images.append(tiles)
    geocoder = origin_of(geocoder_url)
    if geocoder:
        connect.append(geocoder)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "connect-src": connect,
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def init_app(app: Flask) -> None:
    """Register the after_request that adds the security headers to every response."""
    tile_url = app.config.get("MAP_TILE_URL", "")
    geocoder_url = app.config.get("GEOCODER_URL", "")
    hsts_seconds = int(app.config.get("HSTS_SECONDS", 0))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        if "Content-Security-Policy" not in headers:
            # Explicit ws(s)://host for browsers whose 'self' does not cover WebSockets.
            scheme = "wss" if request.is_secure else "ws"
            headers["Content-Security-Policy"] = content_security_policy(
                tile_url, geocoder_url, f"{scheme}://{request.host}"
            )
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if hsts_seconds > 0:
            # Without includeSubDomains: other hosts of the deploying organisation are
            # not ours to pin to HTTPS.
            headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
        return response
