"""What every logged-in request costs in Python before and after its view, in-process.

    .venv/bin/python bench/request_cpu.py --db postgres://…/proftiket_bench1m_mine
    .venv/bin/python bench/request_cpu.py --db … --repeat 3000 --profile floor-auth --top 40

Calls the WSGI application itself (what gunicorn calls: every middleware, the session and the
user), with the bench settings (production, DEBUG off), for the floor (anonymous) and the
same view behind login (bench/urls.py) as a customer manager and as an engineer, in
interleaved rounds, and prints the process CPU per request of each (median and mean over
--repeat requests) and the difference to the floor. The database's own CPU is not counted
(another process). `--profile KEY` then runs that page --repeat times under cProfile.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGES = {  # key: (user e-mail or None, path)
    "floor": (None, "/bench/floor/"),
    "floor-auth": ("bench-reports-manager@org0.bench", "/bench/floor-auth/"),
    "floor-auth-agent": ("bench-reports-engineer0@support.test", "/bench/floor-auth/"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--profile", choices=sorted(PAGES))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--save", help="with --profile: write the pstats data to this file")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.db
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.test import Client

    from accounts.models import User

    application = get_wsgi_application()
    cookies = {}
    for key, (email, _path) in PAGES.items():
        if email:
            client = Client()
            client.force_login(User.objects.get(email=email))
            name = settings.SESSION_COOKIE_NAME
            cookies[key] = f"{name}={client.cookies[name].value}"

    def request(key: str) -> None:
        path = PAGES[key][1]
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_USER_AGENT": "proftiket-bench",
            "HTTP_ACCEPT": "text/html,*/*",
            "HTTP_ACCEPT_LANGUAGE": "ru",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if key in cookies:
            environ["HTTP_COOKIE"] = cookies[key]
        status = []
        response = application(environ, lambda s, h, exc_info=None: status.append(s))
        b"".join(response)
        response.close()
        assert status[0].startswith("200"), (key, status)

    for key in PAGES:
        for _ in range(50):
            request(key)
    cpu = {key: [] for key in PAGES}
    clock = time.process_time
    for _ in range(args.repeat):
        for key in PAGES:
            started = clock()
            request(key)
            cpu[key].append(clock() - started)
    floor = statistics.median(cpu["floor"]) * 1000
    load = os.getloadavg()[0]
    print(f"process CPU per request over {args.repeat} requests each (load {load:.2f}):")
    for key, values in cpu.items():
        median = statistics.median(values) * 1000
        mean = statistics.fmean(values) * 1000
        print(
            f"  {key:18} median {median:6.3f} ms  mean {mean:6.3f} ms"
            f"  - floor {median - floor:6.3f} ms"
        )

    if args.profile:
        profile = cProfile.Profile(time.process_time)  # CPU, not waiting for the database
        profile.enable()
        for _ in range(args.repeat):
            request(args.profile)
        profile.disable()
        if args.save:
            profile.dump_stats(args.save)
        stats = pstats.Stats(profile).strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
