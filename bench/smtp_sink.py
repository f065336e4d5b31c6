"""A local SMTP server that accepts every message and counts it (for bench/load_bench.py).

    python bench/smtp_sink.py PORT COUNT_FILE

Runs aiosmtpd on 127.0.0.1:PORT until SIGTERM; the number of messages received so far is
written to COUNT_FILE every second and at exit.
"""

import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self):
        self.messages = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
        return "250 Message accepted"


def main() -> None:
    port, count_file = int(sys.argv[1]), Path(sys.argv[2])
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        count_file.write_text(str(handler.messages))
    controller.stop()
    count_file.write_text(str(handler.messages))


if __name__ == "__main__":
    main()
