"""Steady traffic against the backend Service, run INSIDE the cluster (a pod on the backend image):
through the Service, as users' requests arrive, not through a port-forward pinned to one pod.

Signs up a user, then alternates a write (create a task) and a read (the task list; every other
read is the frontend's login page, rendered by its server) at RATE requests per second until
/tmp/stop exists. Then it checks every acknowledged write is still there and prints
one JSON line: requests sent, failures (with the time and what went wrong), acknowledged writes,
writes lost. Standard library only (it runs with the image's python, outside the project's venv).
Environment: BACKEND and FRONTEND (base URLs), RATE (requests per second).
"""

import json
import os
import time
import urllib.error
import urllib.request
import uuid

BACKEND = os.environ["BACKEND"]
FRONTEND = os.environ["FRONTEND"]
INTERVAL = 1 / float(os.environ.get("RATE", "4"))
STOP = "/tmp/stop"


def call(method, path, body=None, token=None, timeout=10, base=BACKEND):
    request = urllib.request.Request(
        base + path, method=method, data=None if body is None else json.dumps(body).encode()
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw or b"null") if base == BACKEND else len(raw)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:200]
    except OSError as error:
        return None, repr(error)[:200]


def sign_up():
    account = {"email": f"traffic-{uuid.uuid4().hex[:10]}@example.com", "password": uuid.uuid4().hex}
    for _ in range(60):  # the stack may still be settling when the pod starts
        status, body = call("POST", "/api/auth/signup", account)
        if status == 201:
            return body["token"], body["user"]["id"]
        time.sleep(1)
    raise SystemExit(f"could not sign up: {status} {body}")


def main():
    token, user_id = sign_up()
    print("ready", flush=True)
    sent, failures, written = 0, [], []
    started = time.monotonic()
    while not os.path.exists(STOP):
        tick = time.monotonic()
        if sent % 2 == 0:
            title = f"traffic {sent}"
            status, body = call("POST", f"/api/{user_id}/tasks", {"title": title}, token)
            if status == 201:
                written.append(body["id"])
            else:
                failures.append({"t": round(tick - started, 2), "op": "write", "status": status, "detail": body})
        elif sent % 4 == 1:
            status, body = call("GET", f"/api/{user_id}/tasks?limit=1", token=token)
            if status != 200:
                failures.append({"t": round(tick - started, 2), "op": "read", "status": status, "detail": body})
        else:
            status, body = call("GET", "/login", base=FRONTEND)
            if status != 200:
                failures.append({"t": round(tick - started, 2), "op": "page", "status": status, "detail": body})
        sent += 1
        time.sleep(max(0.0, INTERVAL - (time.monotonic() - tick)))
    present, offset, attempts = set(), 0, 0
    while attempts < 30:  # the final read must succeed: retry while the stack settles
        status, body = call("GET", f"/api/{user_id}/tasks?limit=200&offset={offset}", token=token)
        if status != 200:
            attempts += 1
            time.sleep(1)
            continue
        present |= {task["id"] for task in body["items"]}
        if len(body["items"]) < 200:
            break
        offset += 200
    lost = sorted(set(written) - present)
    summary = {
        "sent": sent,
        "seconds": round(time.monotonic() - started, 1),
        "failures": failures,
        "acknowledged_writes": len(written),
        "lost_writes": lost,
    }
    print("RESULT " + json.dumps(summary), flush=True)


main()
