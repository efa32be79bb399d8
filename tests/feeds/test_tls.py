"""The shared TLS context: the system's CA directory, looked up a certificate at a time,
else certifi's bundle (httpx's default)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from bot.feeds import tls


def test_a_directory_of_hashed_certificates_named_by_ssl_cert_dir_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "5ad8a5d6.0").write_text("", encoding="ascii")
    monkeypatch.setenv(ssl.get_default_verify_paths().openssl_capath_env, str(tmp_path))
    assert tls.system_ca_directory() == str(tmp_path)


def test_a_directory_without_hashed_certificates_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "README").write_text("no certificates here", encoding="ascii")
    monkeypatch.setenv(ssl.get_default_verify_paths().openssl_capath_env, str(tmp_path))
    assert tls.system_ca_directory() != str(tmp_path)


def test_the_context_verifies_servers_and_loads_no_bundle_up_front_when_a_directory_exists() -> (
    None
):
    if tls.system_ca_directory() is None:
        pytest.skip("this machine has no hashed CA directory")
    context = tls.shared_tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    # Read as a handshake needs one, not all at once: what keeps 1.8 MB out of the bot.
    assert context.cert_store_stats()["x509_ca"] == 0


def test_without_a_directory_certifis_bundle_is_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "system_ca_directory", lambda: None)
    context = tls.shared_tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 100
