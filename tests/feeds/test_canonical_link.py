"""canonical_link: one spelling per page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.provisional import urls

from bot.feeds.links import canonical_link

JOOMLA = "https://cacianalyst.org/publications/analytical-articles/item/13873-title-slug.html"

labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
hosts = st.lists(labels, min_size=2, max_size=4).map(".".join)
paths = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~%", min_size=1, max_size=10),
    max_size=4,
).map(lambda segments: "".join("/" + s for s in segments))
plain_params = st.tuples(
    st.sampled_from(["id", "page", "q", "lang", "Itemid", "format", "ref"]),
    st.text(alphabet="abcxyz019-_", max_size=6),
).map(lambda kv: f"{kv[0]}={kv[1]}")
tracking_params = st.tuples(
    st.sampled_from(
        [
            "utm_source",
            "utm_medium",
            "UTM_Campaign",
            "utm_content",
            "fbclid",
            "gclid",
            "mc_cid",
            "mc_eid",
            "yclid",
            "_hsenc",
            "msclkid",
        ]
    ),
    st.text(alphabet="abcxyz019", max_size=6),
).map(lambda kv: f"{kv[0]}={kv[1]}")


@st.composite
def page_urls(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """A URL with noise, plus the host/path/params it should boil down to."""
    host = draw(hosts)
    path = draw(paths)
    kept = draw(st.lists(plain_params, max_size=3))
    noise = draw(st.lists(tracking_params, max_size=3))
    params = draw(st.permutations(kept + noise))
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    www = draw(st.sampled_from(["", "www.", "WWW."]))
    port = draw(st.sampled_from(["", ":80", ":443"]))
    dot = draw(st.sampled_from(["", "."]))
    shown_host = draw(st.sampled_from([host, host.upper()]))
    fragment = draw(st.sampled_from(["", "#", "#comments", "#utm_source=x"]))
    query = ("?" + "&".join(params)) if params else draw(st.sampled_from(["", "?"]))
    url = f"{scheme}://{www}{shown_host}{dot}{port}{path}{query}{fragment}"
    order_kept = [p for p in params if p in kept]
    return url, f"https://{host}{path or '/'}", order_kept


@given(urls())
def test_canonical_link_is_idempotent(url: str) -> None:
    once = canonical_link(url)

    assert canonical_link(once) == once


@given(page_urls())
def test_canonical_link_is_idempotent_on_noisy_urls(case: tuple[str, str, list[str]]) -> None:
    once = canonical_link(case[0])

    assert canonical_link(once) == once


@given(page_urls())
def test_canonical_link_strips_noise_and_keeps_real_parameters(
    case: tuple[str, str, list[str]],
) -> None:
    url, base, kept = case

    result = canonical_link(url)

    assert result == base + ("?" + "&".join(kept) if kept else "")


@given(urls())
def test_canonical_link_drops_fragment_and_tracking(url: str) -> None:
    url = url.partition("#")[0]
    joiner = "&" if "?" in url else "?"
    parts = urlsplit(canonical_link(f"{url}{joiner}utm_source=feed#frag"))

    assert parts.scheme == "https"
    assert parts.fragment == ""
    assert "utm_" not in parts.query.lower()
    assert not parts.netloc.startswith("www.")


@given(hosts, paths)
def test_www_and_http_variants_converge(host: str, path: str) -> None:
    variants = {
        f"http://{host}{path}",
        f"https://www.{host}{path}",
        f"HTTP://WWW.{host.upper()}:80{path}",
        f"https://{host}.:443{path}?utm_medium=rss#top",
    }

    assert len({canonical_link(v) for v in variants}) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://www.cacianalyst.org/publications/analytical-articles/item/"
            "13873-title-slug.html?utm_source=feedburner&utm_medium=feed",
            JOOMLA,
        ),
        (JOOMLA, JOOMLA),
        ("https://Example.ORG", "https://example.org/"),
        ("https://example.org:8443/a?b=1&fbclid=x&c=2", "https://example.org:8443/a?b=1&c=2"),
        ("https://example.org/a?b=%2F&c=a+b", "https://example.org/a?b=%2F&c=a+b"),
        ("https://www.com/", "https://www.com/"),
        ("https://user@www.example.org/", "https://user@example.org/"),
        ("http://[::1]:80/feed", "https://[::1]/feed"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("/relative/path?utm_source=x", "/relative/path?utm_source=x"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
    ],
)
def test_canonical_link_examples(url: str, expected: str) -> None:
    assert canonical_link(url) == expected
