"""A throwaway Dovecot IMAP server for the tests and `manage.py mail_demo` (never production).

Debian's dovecot-imapd, started with a configuration of its own in a scratch folder: its own
base_dir and state, plain LOGIN on a free port of 127.0.0.1, Maildir under the folder, users
in a passwd file. The mail user is `nobody` (Dovecot refuses uid 0 for mail access).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/run/state
instance_name = proftiket-test-imap-{port}
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
ssl = no
mail_location = maildir:{dir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


def available() -> bool:
    return os.path.exists(DOVECOT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Dovecot:
    """One Dovecot instance; start() and stop() may be called again (a server down and back)."""

    directory: Path
    port: int
    users: dict
    process: subprocess.Popen | None = None

    host = "127.0.0.1"

    @classmethod
    def create(cls, users: dict) -> "Dovecot":
        """A server in a new folder under /tmp (Dovecot's own users must reach its files:
        pytest's tmp_path is private to root)."""
        directory = Path(tempfile.mkdtemp(prefix="proftiket-dovecot-"))
        directory.chmod(0o755)
        server = cls(directory=directory, port=free_port(), users=dict(users))
        mail = server.directory / "mail"
        (server.directory / "run").mkdir(parents=True, exist_ok=True)
        mail.mkdir(exist_ok=True)
        nobody = pwd.getpwnam("nobody")
        if os.geteuid() == 0:
            os.chown(mail, nobody.pw_uid, nobody.pw_gid)
        (server.directory / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{password}:::\n" for user, password in users.items())
        )
        (server.directory / "dovecot.conf").write_text(
            CONFIG.format(
                dir=server.directory,
                port=server.port,
                uid=nobody.pw_uid if os.geteuid() == 0 else os.geteuid(),
                gid=nobody.pw_gid if os.geteuid() == 0 else os.getegid(),
            )
        )
        return server

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603  (our own fixed command)
            [DOVECOT, "-F", "-c", str(self.directory / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"Dovecot did not start: {self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)  # never SIGKILL: its children would stay
        try:
            self.process.wait(timeout=10)
        finally:
            self.process = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # its children let go of the port
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    time.sleep(0.05)
            except OSError:
                return

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
