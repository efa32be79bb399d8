"""Run inside a private network and mount namespace (see test_graceful_stop): the name
servers in resolv.conf swallow every query, as when a box's DNS is down, so the feed's
host name hangs in the resolver thread. Prints how long `caci-watch run` took to exit
after SIGTERM, and its exit code, as JSON."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.factories import rss
from tests.feed_server import FeedServer
from tests.runtime.test_run_command import start
from tests.watchlist_copy import copy_watchlists


def main() -> None:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("0.0.0.0", 53))
    threading.Thread(
        target=lambda: [sink.recvfrom(4096) for _ in iter(int, 1)], daemon=True
    ).start()
    tmp = Path(tempfile.mkdtemp(prefix="dns-hang-"))
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([]))
        good = feeds.url("/a.feed")
        port = good.split(":")[2].split("/")[0]
        config = tmp / "config.toml"
        config.write_text(
            f'[feeds]\nurls = ["{good}", "http://feeds.unresolvable.example:{port}/a.feed"]\n'
            f'[store]\npath = "{tmp}/store/bot.sqlite3"\n'
            f'[watchlists]\ndir = "{copy_watchlists(tmp / "watchlists")}"\n'
        )
        proc = start(config)
        assert feeds.wait_for_requests("/a.feed", 1, timeout=30)
        time.sleep(0.5)  # the other feed's lookup is now waiting in its resolver thread
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        took = time.monotonic() - began
    print(json.dumps({"seconds": took, "code": proc.returncode, "stderr": err}))


if __name__ == "__main__":
    main()
