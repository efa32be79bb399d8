"""Where a feed's redirect may lead: the address rules, pure.

A feed's URL is the operator's choice and may point anywhere, a loopback test server
included. A *redirect* is the publisher's choice (or an attacker's, if the site is
compromised), so it may only lead to a public address, or back to the very address and
port the feed's own URL reached. Everything else (loopback, private, link-local,
site-local, multicast, reserved, unspecified, shared and documentation ranges) is
refused, whether the address is a name that resolves there or a literal in any spelling
a resolver accepts: ``2130706433``, ``0x7f000001``, ``0177.1``, ``127.1``,
``[::ffff:127.0.0.1]``.

``bot.feeds.fetch`` applies these rules to the address a connection actually reached;
``literal_address`` lets it refuse a literal before connecting at all.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address
Peer = tuple[IPAddress, int]

# RFC 6052's well-known NAT64 prefix: the last 32 bits are an IPv4 address.
_NAT64 = IPv6Network("64:ff9b::/96")
# IETF protocol assignments: some Python versions call part of it global.
_PROTOCOL_ASSIGNMENTS = IPv4Network("192.0.0.0/24")


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells literally, or None for a name.

    IPv6 may be bracketed and carry a zone (``[fe80::1%eth0]``). IPv4 takes every form
    of the C library's ``inet_aton``: one to four parts, each decimal, octal (a leading
    0) or hex (a leading 0x), the last part filling the bytes left, so ``127.1`` is
    127.0.0.1 and ``2130706433`` is too.
    """
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return IPv6Address(host.partition("%")[0])
        except ValueError:
            return None
    return _inet_aton(host)


def _inet_aton(text: str) -> IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = [_number(part) for part in parts]
    if any(value is None for value in values):
        return None
    *leading, last = (value for value in values if value is not None)
    if any(value > 0xFF for value in leading):
        return None
    last_bits = 8 * (4 - len(leading))
    if last >= 1 << last_bits:
        return None
    number = last
    for index, value in enumerate(leading):
        number |= value << (24 - 8 * index)
    return IPv4Address(number)


_HEX = frozenset("0123456789abcdef")
_OCTAL = frozenset("01234567")
_DECIMAL = frozenset("0123456789")


def _number(part: str) -> int | None:
    """One inet_aton part: 0x1f (hex), 017 (octal), 17 (decimal). Digits only: no
    sign, space or underscore, which Python's int() would take and a resolver not."""
    lowered = part.lower()
    if lowered.startswith("0x"):
        digits, base, allowed = lowered[2:], 16, _HEX
    elif len(part) > 1 and part.startswith("0"):
        digits, base, allowed = part[1:], 8, _OCTAL
    else:
        digits, base, allowed = part, 10, _DECIMAL
    if not digits or not set(digits) <= allowed:
        return None
    return int(digits, base)


def peer_address(host: str) -> IPAddress | None:
    """A socket's peer host (``'::ffff:127.0.0.1'``, ``'fe80::1%2'``) as an address."""
    try:
        return ip_address(host.partition("%")[0])
    except ValueError:
        return None


def canonical(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address as the IPv4 address it is (::ffff:127.0.0.1 is
    127.0.0.1: a socket may report either)."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def non_public(address: IPAddress) -> str | None:
    """Why ``address`` is not a public one ("a loopback address"…), or None if it is.

    IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64) are judged by
    that address too: ``2002:7f00:1::`` reaches 127.0.0.1 as surely as ``127.0.0.1``.
    """
    address = canonical(address)
    kind = _kind(address)
    if kind is None and isinstance(address, IPv6Address):
        for inner in _embedded_ipv4(address):
            kind = _kind(inner)
            if kind is not None:
                return f"{kind} (inside {address})"
    return kind


def _kind(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global or address in _PROTOCOL_ASSIGNMENTS:
        return "a non-public address"
    return None


def _embedded_ipv4(address: IPv6Address) -> list[IPv4Address]:
    found: list[IPv4Address] = []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if address in _NAT64:
        found.append(IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def redirect_refusal(peer: Peer, home: Peer | None) -> str | None:
    """Why a redirect may not reach ``peer``, or None if it may.

    ``home`` is the address and port the feed's own URL reached: a feed served from a
    private or loopback address may redirect within that address and port, never to
    another port or address there.
    """
    address, port = canonical(peer[0]), peer[1]
    reason = non_public(address)
    if reason is None:
        return None
    if home is not None and (canonical(home[0]), home[1]) == (address, port):
        return None
    if home is not None and canonical(home[0]) == address:
        return f"{reason}, on another port than the feed's own"
    return reason
