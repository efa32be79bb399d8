"""One spelling per article link, so the same page is recognised however a feed links it."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

# Query parameters that only say how someone arrived; they never change the page.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "_openstat",
        "vero_id",
        "vero_conv",
        "wickedid",
        "_ga",
        "_gl",
    }
)
_DEFAULT_PORTS = frozenset({"80", "443"})


def canonical_link(url: str) -> str:
    """One spelling per page, so the same article is recognised however it is linked.

    Non-HTTP and relative URLs are returned stripped but otherwise untouched.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return url
    netloc = _canonical_netloc(parts.netloc)
    path = parts.path or "/"
    query = _strip_tracking(parts.query)
    return urlunsplit(("https", netloc, path, query, ""))


def _canonical_netloc(netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    host, port = _split_host_port(hostport)
    host = host.lower().rstrip(".")
    # Repeatedly, so that the result is a fixed point ("www.www.x.org" is still x.org).
    while host.startswith("www.") and "." in host[4:].strip("."):
        host = host[4:]
    if port is not None:
        port = port.lstrip("0") or "0"
    hostport = host if port is None or port in _DEFAULT_PORTS else f"{host}:{port}"
    return f"{userinfo}{at}{hostport}"


def _split_host_port(hostport: str) -> tuple[str, str | None]:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end != -1:
            rest = hostport[end + 1 :]
            port = rest[1:] if rest.startswith(":") and rest[1:].isdigit() else None
            return hostport[: end + 1], port
        return hostport, None
    host, colon, port = hostport.rpartition(":")
    if not colon:
        return hostport, None
    if port == "":
        return host, None
    if port.isdigit() and port.isascii():
        return host, port
    return hostport, None


def _strip_tracking(query: str) -> str:
    # Raw pieces are kept verbatim so that unrelated parameters keep their encoding.
    kept = [piece for piece in query.split("&") if piece and not _is_tracking(piece)]
    return "&".join(kept)


def _is_tracking(piece: str) -> bool:
    name = unquote(piece.partition("=")[0].replace("+", " ")).strip().lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS
