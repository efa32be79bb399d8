"""The status report as text: plain for `caci-watch status`, Telegram HTML for /status.

Both come from the same lines, so the terminal and Telegram never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.health import StatusReport, bot_running, feed_condition, last_job_at, problems
from bot.domain.lease import TAKEOVER_WITHIN, Holder, Instance, Instances
from bot.messages.dates import utc_stamp
from bot.messages.html import escape


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    heading: bool = False
    indent: int = 0


def span(delta: timedelta) -> str:
    """A rough, readable length of time: "40 s", "5 min", "2 h 10 min", "3 d 4 h"."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def moment(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "never"
    stamp = utc_stamp(at)
    if at <= now:
        return f"{stamp} ({span(now - at)} ago)"
    return f"{stamp} (in {span(at - now)})"


def status_lines(r: StatusReport) -> list[Line]:
    now = r.now
    lines = [Line(f"caci-watch {r.version}, status at {utc_stamp(now)}", heading=True)]
    found = problems(r)
    lines.append(Line("All well." if not found else "Needs attention: " + "; ".join(found)))

    latest = last_job_at(r)
    if latest is None:
        lines.append(Line("Bot: has never run against this database"))
    else:
        state = "running" if bot_running(r) else "NOT RUNNING"
        lines.append(Line(f"Bot: {state}; last job finished {moment(latest, now)}"))
    if r.instances is not None:
        lines.extend(instance_lines(r.instances))

    lines.append(Line("Feeds", heading=True))
    if not r.feeds:
        lines.append(Line("not polled yet", indent=1))
    for s in r.feeds:
        condition = feed_condition(s, now, r.stale_after)
        name = f"{s.title} " if s.title else ""
        lines.append(Line(f"{name}{s.url}: {condition.upper()}", indent=1))
        lines.append(Line(f"last success: {moment(s.last_success_at, now)}", indent=2))
        if s.failing_since is not None:
            lines.append(
                Line(
                    f"failing since {moment(s.failing_since, now)}, "
                    f"{s.error_count} error{'s' if s.error_count != 1 else ''} in a row",
                    indent=2,
                )
            )
        if s.last_error_at is not None:
            error = f": {s.last_error}" if s.last_error else ""
            lines.append(Line(f"last error: {moment(s.last_error_at, now)}{error}", indent=2))
        lines.append(Line(f"newest article: {moment(s.newest_item_at, now)}", indent=2))
        next_poll = moment(s.next_poll_at, now) if s.next_poll_at else "due now"
        lines.append(Line(f"next poll: {next_poll}", indent=2))

    o = r.outbox
    lines.append(Line("Delivery", heading=True))
    waiting = f", oldest queued {moment(o.oldest_pending_at, now)}" if o.pending else ""
    lines.append(Line(f"outbox backlog: {o.pending} message(s){waiting}", indent=1))
    lines.append(Line(f"sent in the last 24 h: {o.sent_last_day}", indent=1))
    lines.append(Line(f"given up (ever): {o.failed}", indent=1))

    sub = r.subscribers
    lines.append(Line("Subscribers", heading=True))
    lines.append(
        Line(
            f"{sub.active} active ({sub.active_groups} group chats), "
            f"{sub.total - sub.active} inactive",
            indent=1,
        )
    )

    lines.append(Line("Digests", heading=True))
    digest_job = r.jobs.get("digest")
    if digest_job is None:
        lines.append(Line("last digest run: never", indent=1))
    else:
        outcome = "ok" if digest_job.ok else f"FAILED: {digest_job.detail}"
        lines.append(
            Line(f"last digest run: {moment(digest_job.finished_at, now)}, {outcome}", indent=1)
        )
    lines.append(
        Line(
            f"digests queued in the last 24 h: {r.digests.last_day}; "
            f"latest {moment(r.digests.latest_at, now)}",
            indent=1,
        )
    )
    for job in ("poll", "watchlists"):
        run = r.jobs.get(job)
        if run is not None and not run.ok:
            lines.append(Line(f"last {job} run FAILED: {run.detail}", indent=1))

    lines.append(Line("Watchlists", heading=True))
    lines.append(Line(f"{r.watchlists} loaded", indent=1))
    lines.extend(Line(f"broken: {e}", indent=1) for e in r.watchlist_errors)
    return lines


def sender_words(sender: str) -> str:
    """How the active instance sends: "console sender (no token)" says it sends nothing."""
    if sender == "console":
        return "console sender (no token): messages are printed, not sent to Telegram"
    if sender.startswith("telegram"):
        name = sender.removeprefix("telegram").strip()
        return f"sends to Telegram as {name}" if name else "connecting to Telegram"
    return "starting"


def _who(holder: str) -> str:
    h = Holder.parse(holder)
    return f"pid {h.pid} on {h.host}" if h.pid else holder


def instance_lines(i: Instances) -> list[Line]:
    """Which `caci-watch run` sends (holds the sender lease), and which stand by."""
    now = i.now
    lines = [Line("Instances", heading=True)]
    if i.lease is not None and i.has_active:
        how = f"; {sender_words(i.active.sender)}" if i.active is not None else ""
        lines.append(
            Line(
                f"active: {_who(i.lease.holder)}, since {moment(i.lease.acquired_at, now)}{how}",
                indent=1,
            )
        )
    elif i.lease is not None:
        lines.append(
            Line(
                f"active: none; {_who(i.lease.holder)} stopped renewing the sender lease, "
                f"which ran out {moment(i.lease.expires_at, now)}",
                indent=1,
            )
        )
    else:
        lines.append(Line("active: none (no instance holds the sender lease)", indent=1))
    for s in i.standbys:
        lines.append(Line(_standby(s, now, sends=i.everyone_sends), indent=1))
    if not i.standbys:
        lines.append(Line("standby: none", indent=1))
    return lines


def _standby(s: Instance, now: datetime, *, sends: bool) -> str:
    within = int(TAKEOVER_WITHIN.total_seconds())
    head = f"standby: {_who(s.holder)}, since {moment(s.started_at, now)}"
    if sends:  # every instance drains the outbox (PostgreSQL)
        return (
            f"{head}; sends its share of the outbox, takes over polling, digests and "
            f"Telegram's updates within {within} s if the active one stops"
        )
    return f"{head}; sends nothing, takes over within {within} s if the active one stops"


def status_text(r: StatusReport) -> str:
    return "\n".join(("  " * line.indent) + line.text for line in status_lines(r))


def status_html_blocks(r: StatusReport) -> list[str]:
    """One Telegram HTML block per section, so a long report splits between sections."""
    blocks: list[list[str]] = []
    for line in status_lines(r):
        text = escape(line.text)
        if line.heading:
            blocks.append([f"<b>{text}</b>"])
        else:
            bullet = "  " * max(0, line.indent - 1) + ("• " if line.indent else "")
            blocks[-1].append(bullet + text)
    return ["\n".join(b) for b in blocks]
