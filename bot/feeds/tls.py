"""The TLS context the bot's HTTP clients share (the feeds' and Telegram's).

It trusts the system's CA directory where there is one (Debian's /etc/ssl/certs, the
store curl and apt trust), which OpenSSL reads a certificate at a time, as a handshake
asks for one. httpx's default, certifi's bundle, is read whole into the context: about
1.8 MB the running bot would keep for its life, for the one or two roots it ever uses.
Without a usable directory (no hashed certificates in it), certifi's bundle it is.
"""

from __future__ import annotations

import os
import ssl

import httpx

_FALLBACK_CAPATH = "/etc/ssl/certs"


def system_ca_directory() -> str | None:
    """The system's hashed CA directory (``SSL_CERT_DIR`` if set), or None when there is
    none holding certificates OpenSSL can look up by hash."""
    paths = ssl.get_default_verify_paths()
    for capath in (
        os.environ.get(paths.openssl_capath_env),
        paths.capath,
        paths.openssl_capath,
        _FALLBACK_CAPATH,
    ):
        if not capath or not os.path.isdir(capath):
            continue
        try:
            names = os.listdir(capath)
        except OSError:
            continue
        if any(name.endswith(".0") for name in names):
            return capath
    return None


def shared_tls_context() -> ssl.SSLContext:
    """A client TLS context verifying servers against the system's CA directory, else
    certifi's bundle (as httpx would)."""
    capath = system_ca_directory()
    if capath is None:
        return httpx.create_ssl_context()
    return ssl.create_default_context(capath=capath)
