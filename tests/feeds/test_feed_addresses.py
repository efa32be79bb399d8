"""The redirect address rules on literals, and every spelling of an IPv4 address.

The C library's own parser (getaddrinfo with AI_NUMERICHOST: no lookup, no network) is
the oracle for what a host string means, since it is what a connection would use.
"""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_address

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.feeds.addresses import (
    canonical,
    literal_address,
    non_public,
    redirect_refusal,
)
from bot.feeds.transport import RedirectGuard, RefusedAddress

NON_PUBLIC_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


def resolver_reads(host: str) -> IPv4Address | None:
    """What the C library makes of ``host`` as a numeric IPv4 host, if anything."""
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET, 0, 0, socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return IPv4Address(infos[0][4][0])


@st.composite
def part_spelling(draw: st.DrawFn, value: int) -> str:
    style = draw(st.sampled_from(["decimal", "octal", "hex", "HEX"]))
    zeros = "0" * draw(st.integers(0, 3))
    if style == "decimal":
        return str(value)
    if style == "octal":
        return "0" + zeros + format(value, "o")
    digits = zeros + format(value, "x")
    return ("0x" if style == "hex" else "0X") + (digits.upper() if style == "HEX" else digits)


@st.composite
def ipv4_spellings(draw: st.DrawFn, network: str = "0.0.0.0/0") -> tuple[IPv4Address, str]:
    net = IPv4Network(network)
    address = IPv4Address(draw(st.integers(int(net.network_address), int(net.broadcast_address))))
    packed = address.packed
    count = draw(st.integers(1, 4))
    values = [*packed[: count - 1], int.from_bytes(packed[count - 1 :], "big")]
    return address, ".".join(draw(part_spelling(value)) for value in values)


@given(ipv4_spellings())
@example((IPv4Address("127.0.0.1"), "2130706433"))
@example((IPv4Address("127.0.0.1"), "0x7f000001"))
@example((IPv4Address("127.0.0.1"), "0177.1"))
@example((IPv4Address("127.0.0.1"), "127.1"))
@example((IPv4Address("127.0.0.1"), "017700000001"))
def test_every_spelling_of_an_ipv4_address_is_read_as_the_resolver_reads_it(
    spelled: tuple[IPv4Address, str],
) -> None:
    address, host = spelled
    assert literal_address(host) == address
    assert resolver_reads(host) == address


@given(st.text(alphabet="0123456789abcdefxX.+-_ ", max_size=20))
@example("0x")
@example("08")
@example("1.2.3.4.5")
@example("4294967296")
@example("1.2.65536")
@example("127.0.0.1.")
@example("0x1_0")
def test_any_string_is_an_ipv4_address_exactly_when_the_resolver_says_so(host: str) -> None:
    assert literal_address(host) == resolver_reads(host)


@given(st.ip_addresses(v=6))
def test_ipv6_literals_bracketed_or_not_with_or_without_a_zone(address: IPv6Address) -> None:
    for host in (str(address), f"[{address}]", address.exploded, f"[{address}%eth0]"):
        assert literal_address(host) == address


@given(st.ip_addresses(v=4))
def test_an_ipv4_mapped_ipv6_address_is_judged_as_its_ipv4_address(address: IPv4Address) -> None:
    mapped = literal_address(f"[::ffff:{address}]")
    assert mapped is not None and canonical(mapped) == address
    assert non_public(mapped) == non_public(address)
    assert redirect_refusal((mapped, 80), (address, 80)) is None


@given(st.sampled_from(NON_PUBLIC_V4).flatmap(ipv4_spellings), st.integers(1, 65535))
def test_a_non_public_address_is_refused_in_any_spelling_unless_it_is_home(
    spelled: tuple[IPv4Address, str], port: int
) -> None:
    address, host = spelled
    parsed = literal_address(host)
    assert parsed == address
    assert redirect_refusal((parsed, port), None) is not None
    assert redirect_refusal((parsed, port), (ip_address("93.184.216.34"), port)) is not None
    other_port = port % 65535 + 1
    assert redirect_refusal((parsed, port), (address, other_port)) is not None
    assert redirect_refusal((parsed, port), (address, port)) is None


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed_from_anywhere(text: str) -> None:
    address = ip_address(text)
    assert non_public(address) is None
    assert redirect_refusal((address, 443), None) is None
    assert redirect_refusal((address, 443), (ip_address("127.0.0.1"), 8080)) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.1.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("fec0::1", "a site-local address"),
        ("10.1.2.3", "a private address"),
        ("172.31.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private address"),
        ("2001:db8::1", "a private address"),
        ("240.0.0.1", "a private address"),
        ("100.64.0.1", "a non-public address"),
        ("::127.0.0.1", "a reserved address"),
        # IPv6 forms that lead to an IPv4 address are judged by it.
        ("2002:7f00:1::1", "a loopback address (inside 2002:7f00:1::1)"),
        ("2002:a00:1::1", "a private address (inside 2002:a00:1::1)"),
        ("64:ff9b::a9fe:a9fe", "a reserved address"),
    ],
)
def test_why_an_address_is_not_public(text: str, reason: str) -> None:
    assert non_public(ip_address(text)) == reason


def test_6to4_and_nat64_of_a_public_address_are_public() -> None:
    assert non_public(ip_address("2002:808:808::1")) is None


def test_a_public_feed_may_not_redirect_to_loopback_even_on_its_own_port() -> None:
    guard = RedirectGuard(home=(ip_address("93.184.216.34"), 80), following=True, target="x:80")
    with pytest.raises(RefusedAddress) as refused:
        guard.check((ip_address("127.0.0.1"), 80))
    assert str(refused.value) == "redirect refused: x:80 reaches 127.0.0.1, a loopback address"
    guard.check((ip_address("93.184.216.35"), 80))  # another public address is fine
    # The feed's own first hop is never checked: its URL is the operator's choice.
    RedirectGuard(following=False).check((ip_address("127.0.0.1"), 80))


def test_a_redirect_whose_address_cannot_be_told_is_refused() -> None:
    guard = RedirectGuard(home=None, following=True, target="feed.example:443")
    with pytest.raises(RefusedAddress) as refused:
        guard.check(None)
    assert str(refused.value) == (
        "redirect refused: cannot tell which address feed.example:443 reached"
    )
