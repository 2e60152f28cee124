"""Counters of one worker process, written out in the Prometheus text format (version 0.0.4).

Written here rather than taken from ``prometheus_client`` because the service
needs a handful of series and no dependency. With several workers each keeps
its own numbers and ``/metrics`` answers from whichever worker took the
request; label the scrape target by instance, or run one worker per container.

The series:

``greentag_http_requests_total{endpoint, method, status}``
    Finished requests.
``greentag_http_request_duration_seconds{endpoint}``
    Histogram of request latency, first byte in to last byte out.
``greentag_http_requests_in_flight``
    Requests being served now.
``greentag_http_errors_total{endpoint, code}``
    Error answers by their ``error.code``.
``greentag_documents_tagged_total{endpoint}``
    Documents tagged (``/tag_many`` counts each of its texts) or explained.
``greentag_model_reloads_total{result}``
    Reloads that succeeded (``ok``) or kept the old model (``error``).
``greentag_model_info{id, version}``, ``greentag_model_loaded_timestamp_seconds``
    The model being served and when it was loaded.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict

__all__ = ["CONTENT_TYPE", "DEFAULT_BUCKETS", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds; from a short /tag (a fraction of a millisecond) to a large batch.
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items()) + "}"


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


class Metrics:
    """The service's counters and latency histogram; safe to update from any thread.

    Examples
    --------
    >>> metrics = Metrics()
    >>> metrics.observe_request("/tag", "POST", 200, 0.002)
    >>> metrics.add_documents("/tag", 1)
    >>> 'greentag_http_requests_total{endpoint="/tag",method="POST",status="200"} 1' in metrics.render()
    True
    """

    def __init__(self, buckets: tuple[float, ...] = DEFAULT_BUCKETS) -> None:
        self.buckets = tuple(sorted(buckets))
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self._bucket_counts: dict[str, list[int]] = {}
        self._latency_sum: dict[str, float] = defaultdict(float)
        self._latency_count: dict[str, int] = defaultdict(int)
        self._errors: dict[tuple[str, str], int] = defaultdict(int)
        self._documents: dict[str, int] = defaultdict(int)
        self._reloads: dict[str, int] = {"ok": 0, "error": 0}
        self._in_flight = 0
        self._model: tuple[str, str, float] | None = None
        self.started = time.time()

    # ---------------------------------------------------------------- updates
    def request_started(self) -> None:
        """Count a request as in flight."""
        with self._lock:
            self._in_flight += 1

    def observe_request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        with self._lock:
            self._requests[(endpoint, method, status)] += 1
            counts = self._bucket_counts.setdefault(endpoint, [0] * (len(self.buckets) + 1))
            # Non-cumulative here; render() adds them up (the last slot is +Inf only).
            counts[bisect.bisect_left(self.buckets, seconds)] += 1
            self._latency_sum[endpoint] += seconds
            self._latency_count[endpoint] += 1

    def request_finished(self) -> None:
        """Count a request as no longer in flight."""
        with self._lock:
            self._in_flight -= 1

    def add_error(self, endpoint: str, code: str) -> None:
        """Record one error answer by its code."""
        with self._lock:
            self._errors[(endpoint, code)] += 1

    def add_documents(self, endpoint: str, n: int) -> None:
        """Record ``n`` documents tagged or explained."""
        with self._lock:
            self._documents[endpoint] += n

    def model_loaded(self, model_id: str, version: str, ok: bool = True, *, initial: bool = False) -> None:
        """Record a load or reload; ``ok=False`` means the old model kept serving."""
        with self._lock:
            if ok:
                self._model = (model_id, version, time.time())
            if not initial:
                self._reloads["ok" if ok else "error"] += 1

    # ----------------------------------------------------------------- output
    def render(self) -> str:
        """Every series in the Prometheus text exposition format."""
        with self._lock:
            lines: list[str] = []

            def head(name: str, kind: str, text: str) -> None:
                lines.append(f"# HELP {name} {text}")
                lines.append(f"# TYPE {name} {kind}")

            head("greentag_http_requests_total", "counter", "HTTP requests served, by endpoint, method and status.")
            for (endpoint, method, status), count in sorted(self._requests.items()):
                labels = _labels(endpoint=endpoint, method=method, status=str(status))
                lines.append(f"greentag_http_requests_total{labels} {count}")

            name = "greentag_http_request_duration_seconds"
            head(name, "histogram", "Latency of HTTP requests, by endpoint.")
            for endpoint in sorted(self._bucket_counts):
                counts = self._bucket_counts[endpoint]
                running = 0
                for bound, count in zip(self.buckets, counts, strict=False):
                    running += count
                    lines.append(f"{name}_bucket{_labels(endpoint=endpoint, le=_number(bound))} {running}")
                lines.append(f"{name}_bucket{_labels(endpoint=endpoint, le='+Inf')} {self._latency_count[endpoint]}")
                lines.append(f"{name}_sum{_labels(endpoint=endpoint)} {self._latency_sum[endpoint]!r}")
                lines.append(f"{name}_count{_labels(endpoint=endpoint)} {self._latency_count[endpoint]}")

            head("greentag_http_requests_in_flight", "gauge", "HTTP requests being served now.")
            lines.append(f"greentag_http_requests_in_flight {self._in_flight}")

            head("greentag_http_errors_total", "counter", "Error answers, by endpoint and error code.")
            for (endpoint, code), count in sorted(self._errors.items()):
                lines.append(f"greentag_http_errors_total{_labels(endpoint=endpoint, code=code)} {count}")

            head("greentag_documents_tagged_total", "counter", "Documents tagged or explained, by endpoint.")
            for endpoint, count in sorted(self._documents.items()):
                lines.append(f"greentag_documents_tagged_total{_labels(endpoint=endpoint)} {count}")

            head("greentag_model_reloads_total", "counter", "Model reloads; result=error kept the old model.")
            for result, count in sorted(self._reloads.items()):
                lines.append(f"greentag_model_reloads_total{_labels(result=result)} {count}")

            if self._model is not None:
                model_id, version, loaded = self._model
                head("greentag_model_info", "gauge", "The model being served (always 1).")
                lines.append(f"greentag_model_info{_labels(id=model_id, version=version)} 1")
                head("greentag_model_loaded_timestamp_seconds", "gauge", "When the served model was loaded.")
                lines.append(f"greentag_model_loaded_timestamp_seconds {loaded!r}")

            head("greentag_process_start_time_seconds", "gauge", "When this worker process started.")
            lines.append(f"greentag_process_start_time_seconds {self.started!r}")
            return "\n".join(lines) + "\n"
