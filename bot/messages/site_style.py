"""The archive's one style sheet: readable from a 375 px phone to a desktop (one column,
long words and links wrap, the chart scales), light and dark by the reader's setting;
and its icon, a rising line on the chart's first colour, which reads on a light tab
and a dark one alike."""

from __future__ import annotations

STYLE_CSS = """\
:root {
  color-scheme: light dark;
  --bg: #fdfdfb; --fg: #1d1d1b; --muted: #5a5a55; --link: #0b57a4; --rule: #d8d8d2;
  --shade: #ecece6; --mark: #fff1a8; --quote: #f3f3ee;
  --s0: #1f6fb2; --s1: #c4511a; --s2: #2e8540; --s3: #8e44ad; --s4: #b8860b; --s5: #c0392b;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16171a; --fg: #e6e6e1; --muted: #a3a39c; --link: #8cc4ff; --rule: #3a3b40;
    --shade: #25272c; --mark: #5a4b00; --quote: #202226;
    --s0: #6fb3ff; --s1: #ff9a66; --s2: #6fd083; --s3: #d199ee; --s4: #f0c850; --s5: #ff7b6b;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0 auto; padding: 0 1rem; max-width: 46rem;
  background: var(--bg); color: var(--fg);
  font: 1.0625rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  overflow-wrap: anywhere; word-break: normal;
}
a { color: var(--link); }
a:focus-visible { outline: 2px solid var(--link); outline-offset: 2px; }
h1, h2, h3 { line-height: 1.25; }
h1 { font-size: 1.6rem; margin: 1.2rem 0 0.6rem; }
h2 { font-size: 1.3rem; margin: 1.8rem 0 0.6rem; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 0.3rem; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  clip-path: inset(50%); white-space: nowrap; }
.skip { position: absolute; left: -9999px; }
.skip:focus { position: static; }
header.site { border-bottom: 1px solid var(--rule); padding: 0.6rem 0; }
header.site .site-name { margin: 0; font-weight: 600; }
header.site .site-name a { color: var(--fg); text-decoration: none; }
nav ul { list-style: none; margin: 0.3rem 0 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 0.3rem 1rem; }
footer.site { border-top: 1px solid var(--rule); margin-top: 2.5rem; padding: 0.8rem 0;
  color: var(--muted); font-size: 0.9rem; }
.byline, .lists { color: var(--muted); font-size: 0.92rem; }
.byline { margin: 0.1rem 0 0.4rem; }
ol.items { list-style: none; padding: 0; margin: 0; }
ol.items > li { border-bottom: 1px solid var(--rule); padding-bottom: 0.6rem; }
.lead { margin: 0.3rem 0; }
ul.why { padding-left: 1.2rem; margin: 0.3rem 0; }
blockquote { margin: 0.3rem 0; padding: 0.3rem 0.7rem; background: var(--quote);
  border-left: 3px solid var(--rule); }
.lead b, blockquote b { background: var(--mark); color: inherit; font-weight: 600; }
.out { margin: 0.3rem 0 0.4rem; }
.pager ul { margin-top: 1rem; }
.pager .numbers { font-size: 0.92rem; }
figure.trend { margin: 0.5rem 0; }
svg.chart { display: block; width: 100%; max-width: 100%; height: auto; }
svg.chart .previous { fill: var(--shade); }
svg.chart .grid { stroke: var(--rule); stroke-width: 1; }
svg.chart .label { fill: var(--muted); font: 13px system-ui, sans-serif; }
/* The drawing shrinks with the screen: its words shrink less. */
@media (max-width: 30rem) { svg.chart .label { font-size: 22px; } }
svg .line { fill: none; stroke-width: 2.5; }
svg .line.possibly { stroke-dasharray: 6 4; stroke-width: 2; }
svg.swatch { width: 1.8em; height: 0.7em; vertical-align: middle; }
.s0 { stroke: var(--s0); fill: var(--s0); } .s1 { stroke: var(--s1); fill: var(--s1); }
.s2 { stroke: var(--s2); fill: var(--s2); } .s3 { stroke: var(--s3); fill: var(--s3); }
.s4 { stroke: var(--s4); fill: var(--s4); } .s5 { stroke: var(--s5); fill: var(--s5); }
svg .line.s0, svg .line.s1, svg .line.s2, svg .line.s3, svg .line.s4, svg .line.s5 { fill: none; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.2rem 1.2rem;
  font-size: 0.92rem; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.2rem 0.6rem; text-align: right;
  white-space: nowrap; }
th[scope="row"] { text-align: left; font-weight: normal; }
tr.previous { color: var(--muted); }
details { margin: 0.6rem 0; }
"""

ICON_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">
<title>caci-watch archive</title>
<rect width="32" height="32" rx="6" fill="#1f6fb2"/>
<polyline points="5,24 11,17 16,20 21,10 27,13" fill="none" stroke="#fff" stroke-width="3"
 stroke-linecap="round" stroke-linejoin="round"/>
</svg>
"""
