"""An example client of the ProfTicket API: file a request with a screenshot, then follow it.

    PROFTIKET_URL=http://127.0.0.1:8000 PROFTIKET_TOKEN=pt_… python docs/api_client.py shot.png

It files an incident with the screenshot attached (retry-safe: the Idempotency-Key makes a
retried call return the same request), then polls the request until support answers or the
time runs out, printing each new public message. Needs only httpx.
"""

import os
import sys
import time
import uuid

import httpx


def client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/api/v1/",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        timeout=30,
    )


def file_request(api: httpx.Client, screenshot: str, *, subject: str) -> dict:
    """File an incident with the screenshot; a retry with the same key files nothing new."""
    key = str(uuid.uuid4())
    fields = {"type": "incident", "subject": subject,
              "description": "Alarm from our monitoring: the E1 link is down."}  # fmt: skip
    for attempt in range(3):
        with open(screenshot, "rb") as image:
            files = [("files", (os.path.basename(screenshot), image, "image/png"))]
            try:
                response = api.post(
                    "tickets/", data=fields, files=files, headers={"Idempotency-Key": key}
                )
            except httpx.TransportError:
                time.sleep(2**attempt)
                continue
        if response.status_code >= 400:
            problem = response.json()
            raise SystemExit(f"{problem['title']}: {problem['detail']} {problem.get('errors', '')}")
        return response.json()
    raise SystemExit("The API could not be reached.")


def follow(api: httpx.Client, reference: str, *, until: float, every: float = 5.0) -> dict:
    """Print new public messages until support has answered, or until `until` (monotonic)."""
    seen = set()
    while True:
        ticket = api.get(f"tickets/{reference}/").raise_for_status().json()
        for message in ticket["messages"]:
            if message["id"] not in seen:
                seen.add(message["id"])
                print(f"{message['created_at']} {message['author']}: {message['body']}")
        answered = any(m["from_support"] for m in ticket["messages"])
        if answered or time.monotonic() >= until:
            return ticket
        time.sleep(every)


def main(argv: list[str]) -> int:
    api = client(os.environ["PROFTIKET_URL"], os.environ["PROFTIKET_TOKEN"])
    ticket = file_request(api, argv[1], subject="E1 link down at site 14")
    print(f"Filed {ticket['reference']} ({ticket['status_display']})")
    wait = float(os.environ.get("PROFTIKET_FOLLOW_SECONDS", "600"))
    ticket = follow(api, ticket["reference"], until=time.monotonic() + wait,
                    every=float(os.environ.get("PROFTIKET_POLL_SECONDS", "5")))  # fmt: skip
    print(f"{ticket['reference']} is now {ticket['status_display']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
