"""The dashboard load test with a standard tool: Locust, the same browsing user as
benchmarks/load_test.py (list finished runs, open one, its chart data, compare two, the
evidence list, health, the world map outlines once, a stored coalition answer; 0.5-2 s think
time between steps).

Start a server with a few finished runs (``python benchmarks/load_test.py --serve-only`` does
that and prints its URL), then, loopback only::

    locust -f benchmarks/locustfile.py --headless -u 200 -r 50 -t 30s \
        --host http://127.0.0.1:PORT --csv /tmp/locust --only-summary

Locust prints request counts, failures and percentiles per endpoint (``/tmp/locust_stats.csv``
has them as CSV). Locust is a development tool (``pip install locust``), not a dependency.
"""

from __future__ import annotations

import random

from locust import HttpUser, between, task


class Analyst(HttpUser):
    """One person browsing finished runs in the dashboard."""

    wait_time = between(0.5, 2.0)
    saw_map = False

    @task
    def browse(self) -> None:
        r = self.client.get("/api/runs?limit=50&status=complete", name="list runs")
        if r.status_code != 200:
            return
        done = [x["id"] for x in r.json()["runs"]]
        if not done:
            return
        self.wait()
        rid = random.choice(done)
        self.client.get(f"/api/runs/{rid}", name="run status")
        self.client.get(f"/api/runs/{rid}/view", name="run view")
        self.wait()
        if len(done) > 1:
            a, b = random.sample(done, 2)
            self.client.get(f"/api/compare?a={a}&b={b}", name="compare")
            self.wait()
        self.client.get("/api/scenarios/russia-neighbourhood/evidence", name="evidence")
        self.client.get("/api/health", name="health")
        self.wait()
        # the world pages: the outlines (cached by browsers, so once per user) and a stored
        # coalition answer, asked for again as a person repeating a question would
        if not self.saw_map:
            self.client.get("/api/worldmap.svg", name="world map")
            self.saw_map = True
        self.client.post("/api/coalition", json={"target": "UKR", "year": 2022, "members": 200},
                         name="coalition (stored)")
