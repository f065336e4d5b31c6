"""Helpers that run inside the worker and scheduler processes of scripts/scale-check.

`record` is the function of a probe schedule: each run counts itself in Redis under the
slot (the schedule's due time) django-q2 passes it, so a slot run twice shows up as 2.
`python -m tests.scaling.probe ROUNDS` plays a cluster's scheduler: for each round it waits
for the go signal (both drivers get it at once), runs django_q's scheduler once, and says done.
"""

import os
import sys

import redis

SLOTS = "scale:probe:slots"


def connection():
    return redis.from_url(os.environ["REDIS_URL"])


def record(slot=None):
    """The probe schedule's job: count this run of the slot."""
    client = connection()
    client.sadd(SLOTS, str(slot))
    return client.incr(f"scale:probe:{slot}")


def drive(rounds: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proftiket.settings")
    django.setup()
    from django.db import connection as database
    from django_q.scheduler import scheduler

    client = connection()
    for _ in range(rounds):
        if client.blpop("scale:go", timeout=60) is None:
            sys.exit("no go signal within 60 s")
        scheduler()
        database.close()
        client.rpush("scale:done", os.getpid())


if __name__ == "__main__":
    drive(int(sys.argv[1]))
