"""The iSAMS simulator in its own process, as a real iSAMS would be: it does not share the GIL or the
cores' time slices with the code under test (on a 2-core machine that matters). Controlled over
/__fake/; `round_trip()` measures the network floor of one request."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time

import httpx


class RemoteSimulator:
    def __init__(self, students: int) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc = subprocess.Popen([sys.executable, "-m", "imlate_tui.demo.isams_sim", "--port", str(self.port),
                                      "--students", str(students)], stdout=subprocess.DEVNULL)
        self.base_url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                httpx.get(self.base_url + "/__fake/stats", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise SystemExit("the iSAMS simulator did not start")

    def control(self, method: str, path: str, body=None) -> dict:
        return httpx.request(method, self.base_url + "/__fake/" + path, json=body, timeout=30).json()

    @property
    def api_requests(self) -> int:
        return self.control("GET", "stats")["apiRequests"]

    def round_trip(self, samples: int = 50) -> float:
        """Median seconds of one small request on a kept-alive connection (the floor of each request)."""
        times = []
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            for _ in range(samples):
                t0 = time.perf_counter()
                client.get("/__fake/stats")
                times.append(time.perf_counter() - t0)
        return statistics.median(times)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
