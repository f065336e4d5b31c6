"""Issue 15's API benchmark: list and detail speed and filing throughput over HTTP at 1M.

    createdb -h 127.0.0.1 -U root -T proftiket_bench1m proftiket_bench1m_api
    .venv/bin/python bench/api_bench.py --db postgres://root@127.0.0.1:5432/proftiket_bench1m_api

Like http_bench.py (same seed, same gunicorn `-w 2 -k sync` with bench.settings, the floor
measured in the same rounds), with API tokens made in-process for the customer manager of
organisation 0 (5,000 requests) and for --connections customers. Pages: the first page of the
manager's list (50 requests), the same ordered by last activity with `updated_since` a week
ago, and one request with its 40-message conversation. Filing: --connections threads post JSON
to /api/v1/tickets/ for --seconds (after 2 s of warm-up); every 201 is checked in the database
and the filed requests are deleted afterwards. The rate limit is raised for the run
(API_RATE_LIMIT=1000000/min) so that it counts, as in production, without refusing.
"""

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bigdb  # noqa: E402
from bench.benchclient import (  # noqa: E402
    Browser,
    free_port,
    load_average,
    server_env,
    start_gunicorn,
    stop_process,
    tail,
    wait_until_serving,
)
from bench.http_bench import FLOOR_PATH, cleanup, next_ids, percentile  # noqa: E402

SUBJECT = "Бенчмарк подачи"  # cleanup() deletes "<SUBJECT> <run tag> …"
DESCRIPTION = "Не проходят вызовы через SIP-транк, перезагрузка не помогла."
GOALS = {"list": 15.0, "filing": 150.0}


class ApiClient(Browser):
    def __init__(self, base_url: str, token: str):
        super().__init__(base_url)
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return self.request(method, path, body=data, headers=headers)


def make_tokens(connections: int) -> tuple[str, list[str]]:
    from accounts import tokens
    from accounts.models import User

    def token_for(email):
        user = User.objects.get(email=email)
        return tokens.create_token(user=user, name="bench", scope="write", created_by=None)[1]

    customers = [token_for(bigdb.CUSTOMER_EMAIL.format(i=i + 1)) for i in range(connections)]
    return token_for(bigdb.MANAGER), customers


def measure_pages(pages, clients, *, samples: int, warmup: int) -> dict:
    results = {key: {"seconds": [], "queries": set(), "sql_ms": [], "status": set()}
               for key, *_ in pages}  # fmt: skip
    for _ in range(warmup):
        for _key, who, path in pages:
            clients[who].call("GET", path)
    for _ in range(samples):
        for key, who, path in pages:
            response = clients[who].call("GET", path)
            row = results[key]
            row["seconds"].append(response.seconds)
            row["queries"].add(response.queries)
            row["sql_ms"].append(response.sql_ms or 0)
            row["status"].add(response.status)
    return results


def run_filing(clients, *, seconds: float, run_tag: str) -> dict:
    lock = threading.Lock()
    state = {"measuring": False, "ok": [], "errors": {}, "latencies": [], "queries": set()}

    def worker(index, deadline):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            subject = f"{SUBJECT} {run_tag} api {index}-{n}"
            body = {"type": "incident", "subject": subject, "description": DESCRIPTION}
            response = clients[index].call("POST", "/api/v1/tickets/", body)
            with lock:
                if not state["measuring"]:
                    continue
                if response.status == 201:
                    state["ok"].append((json.loads(response.body)["reference"], subject))
                    state["latencies"].append(response.seconds)
                    state["queries"].add(response.queries)
                else:
                    key = f"HTTP {response.status}"
                    state["errors"][key] = state["errors"].get(key, 0) + 1

    elapsed = 0.0
    for phase, length in (("warm-up", 2.0), ("measured", seconds)):
        state["measuring"] = phase == "measured"
        deadline = time.monotonic() + length
        threads = [threading.Thread(target=worker, args=(i, deadline)) for i in range(len(clients))]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    from tickets.models import Ticket

    sent = {int(ref.split("-")[1]): subject for ref, subject in state["ok"]}
    stored = dict(Ticket.objects.filter(pk__in=sent).values_list("pk", "subject"))
    lost = sum(1 for pk, subject in sent.items() if stored.get(pk) != subject)
    return {"rate": len(sent) / elapsed, "filed": len(sent), "lost": lost,
            "errors": state["errors"], "p50_ms": statistics.median(state["latencies"]) * 1000,
            "queries": sorted(q for q in state["queries"] if q is not None)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (a copy of proftiket_bench1m)")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    info = bigdb.ensure(db=args.db, reseed=False, tickets=1_000_000)
    from django.db import connection
    from django.utils import timezone

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    media_root = Path(tempfile.mkdtemp(prefix="api_bench_media_"))
    log = Path(tempfile.gettempdir()) / f"api_bench_gunicorn_{os.getpid()}.log"
    env = server_env(database_url=os.environ["DATABASE_URL"], secret_key=secrets.token_urlsafe(50),
                     BENCH_CONN_MAX_AGE=60, MEDIA_ROOT=media_root,
                     API_RATE_LIMIT="1000000/min")  # fmt: skip
    server = start_gunicorn(port=port, workers=args.workers, env=env, log=log)
    run_tag = secrets.token_hex(3)
    first_ticket, first_task = next_ids()
    try:
        wait_until_serving(base_url, FLOOR_PATH)
        manager, customers = make_tokens(args.connections)
        clients = {"manager": ApiClient(base_url, manager), "anonymous": ApiClient(base_url, "")}
        since = quote((timezone.now() - timedelta(days=7)).isoformat())
        conversation = info["conversation_ticket"]
        pages = [
            ("floor", "anonymous", FLOOR_PATH),
            ("list", "manager", "/api/v1/tickets/"),
            ("list-updated", "manager", f"/api/v1/tickets/?ordering=updated&updated_since={since}"),
            ("detail", "manager", f"/api/v1/tickets/PT-{conversation}/"),
        ]
        load_before = load_average()
        results = measure_pages(pages, clients, samples=args.samples, warmup=args.warmup)
        filing = run_filing([ApiClient(base_url, t) for t in customers], seconds=args.seconds,
                            run_tag=run_tag)  # fmt: skip
        load_after = load_average()
    except Exception:
        print(tail(log), file=sys.stderr)
        raise
    finally:
        stop_process(server)
        deleted = cleanup(first_new_ticket=first_ticket, run_tag=run_tag, first_new_task=first_task)
        print(f"deleted the {deleted} requests filed by this run", file=sys.stderr)
        shutil.rmtree(media_root, ignore_errors=True)
        connection.close()
    floor = statistics.median(results["floor"]["seconds"]) * 1000
    print(f"\nAPI at 1M requests, gunicorn -w {args.workers}, {args.samples} samples; "
          f"load {load_before:.2f} → {load_after:.2f} ({os.cpu_count()} CPUs)")  # fmt: skip
    print(f"{'page':14} {'p50 ms':>8} {'p95 ms':>8} {'SQL ms':>7} {'× floor':>8} queries status")
    summary = {"floor_ms": floor, "pages": {}, "filing": filing,
               "load": [load_before, load_after]}  # fmt: skip
    for key, row in results.items():
        p50 = statistics.median(row["seconds"]) * 1000
        p95 = percentile(row["seconds"], 0.95) * 1000
        sql = statistics.median(row["sql_ms"])
        queries = ",".join(str(q) for q in sorted(q for q in row["queries"] if q is not None))
        print(f"{key:14} {p50:8.1f} {p95:8.1f} {sql:7.1f} {p50 / floor:8.1f} {queries:>7} "
              f"{sorted(row['status'])}")  # fmt: skip
        summary["pages"][key] = {"p50_ms": p50, "p95_ms": p95, "queries": queries}
    met = "met" if summary["pages"]["list"]["p50_ms"] <= GOALS["list"] else "NOT met"
    print(f"goal: list ≤ {GOALS['list']:.0f} ms: {met}")
    met = "met" if filing["rate"] >= GOALS["filing"] and not filing["lost"] else "NOT met"
    print(f"filing over JSON, {args.connections} connections: {filing['rate']:.1f}/s "
          f"(p50 {filing['p50_ms']:.1f} ms, queries {filing['queries']}), lost {filing['lost']}, "
          f"errors {filing['errors']}; goal ≥ {GOALS['filing']:.0f}/s: {met}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
