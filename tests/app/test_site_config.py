"""``[site]`` in config.toml: off by default, and a bad value stops the bot naming it."""

from __future__ import annotations

import pytest

from bot.app.config import ConfigError, SiteConfig, parse_config


def test_the_archive_is_not_served_nor_linked_by_default() -> None:
    assert parse_config({}).site == SiteConfig(
        serve=False, host="127.0.0.1", port=8080, public_base_url=""
    )


def test_a_public_base_url_is_kept_as_a_folder() -> None:
    site = parse_config({"site": {"public_base_url": "https://example.org/caci"}}).site
    assert site.public_base_url == "https://example.org/caci/"


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("serve", "yes", "serve"),
        ("port", 0, "port"),
        ("port", 70000, "port"),
        ("host", "", "host"),
        ("host", "a b", "host"),
        ("public_base_url", "ftp://example.org/", "public_base_url"),
        ("public_base_url", "https://example.org/?q=1", "public_base_url"),
        ("public_base_url", "javascript:alert(1)", "public_base_url"),
    ],
)
def test_a_bad_site_value_is_refused_naming_the_key(key: str, value: object, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"site": {key: value}})
    assert f"[site] {says}" in str(info.value) or says in str(info.value)


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost:8080", "[::1]", "[::1]:8080"])
def test_a_host_with_a_port_or_brackets_is_refused_saying_where_the_port_goes(host: str) -> None:
    # Taken as it is, "localhost:8080" reads as an IPv6 address and the bot ran on
    # without its archive, the reason in one log line.
    with pytest.raises(ConfigError) as info:
        parse_config({"site": {"host": host}})
    assert "[site] host" in str(info.value) and "[site] port" in str(info.value)


@pytest.mark.parametrize("host", ["::1", "::", "0.0.0.0", "localhost", "archive.example"])
def test_an_address_or_a_name_is_a_host(host: str) -> None:
    assert parse_config({"site": {"host": host}}).site.host == host
