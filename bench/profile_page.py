"""Where one page's time goes, in-process: cProfile and the queries of a request, with the
bench settings (production, DEBUG off, the cached template loaders) on a bench database.

    .venv/bin/python bench/profile_page.py --db postgres://…/proftiket_bench1m_mine /tickets/
    .venv/bin/python bench/profile_page.py --as user@org1.bench --post /tickets/new/ /tickets/new/
    .venv/bin/python bench/profile_page.py --as bench-reports-engineer0@support.test --top 40 \\
        /admin/tickets/ticket/

Logs in as `--as` (default: the manager of organisation 0), requests the page `--warmup`
times, then `--repeat` times plain and `--repeat` times under cProfile, and prints the mean time
per request, the
queries of the last request with their time, and the top functions by cumulative and by own
time. `--post` sends the new-request form instead of a GET (a filing per repeat; the filed
requests are deleted afterwards). Nothing is migrated: the database must be a migrated copy.
"""

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--db", required=True)
    parser.add_argument("--as", dest="email", default="bench-reports-manager@org0.bench")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--post", action="store_true", help="file a request (the new form)")
    parser.add_argument("--png", action="store_true", help="with --post: a 200 KB screenshot")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.db
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # Files of a --png filing go to a scratch folder, removed with the filed requests' rows.
    media_root = tempfile.mkdtemp(prefix="profile_page_media_")
    os.environ["MEDIA_ROOT"] = media_root
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from bench.benchclient import png_screenshot
    from tickets.models import Ticket

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=args.email))
    first_new = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    screenshot = png_screenshot() if args.png else None
    counter = iter(range(10**9))

    def request():
        if not args.post:
            response = client.get(args.path)
            assert response.status_code == 200, response.status_code
            return response
        data = {
            "type": Ticket.Type.INCIDENT,
            "subject": f"profile_page {next(counter)}",
            "description": "Не проходят вызовы через SIP-транк, перезагрузка не помогла.",
            "technical_details": "trunk=sip-42",
        }
        if screenshot:
            from django.core.files.uploadedfile import SimpleUploadedFile

            data["files"] = [SimpleUploadedFile("screenshot.png", screenshot, "image/png")]
        response = client.post(args.path, data)
        assert response.status_code == 302, response.status_code
        return response

    try:
        for _ in range(args.warmup):
            request()
        queries = []

        def record(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((time.perf_counter() - started, sql))

        with connection.execute_wrapper(record):
            request()
        started = time.perf_counter()
        for _ in range(args.repeat):
            request()
        plain = (time.perf_counter() - started) / args.repeat
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(args.repeat):
            request()
        profile.disable()
        elapsed = (time.perf_counter() - started) / args.repeat
    finally:
        if args.post:
            Ticket.objects.filter(pk__gte=first_new, subject__startswith="profile_page ").delete()
        shutil.rmtree(media_root, ignore_errors=True)
    print(f"{args.path}: {plain * 1000:.1f} ms a request ({elapsed * 1000:.1f} ms under "
          f"cProfile), {len(queries)} queries")  # fmt: skip
    for seconds, sql in queries:
        print(f"  {seconds * 1000:6.2f} ms  {sql[:150]}")
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
