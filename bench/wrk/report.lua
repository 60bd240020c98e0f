-- PartnerHub bench: wrk's done() hook printing one line "BENCH_JSON {...}" that
-- bench/loadgen.py parses. Times are in microseconds. errors.status counts responses
-- with a status of 400 or more; the runner fails the run when it is not zero.

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"latency_us": {"min": %.0f, "mean": %.1f, "max": %.0f, '
         .. '"p50": %.0f, "p90": %.0f, "p95": %.0f, "p99": %.0f}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90),
      latency:percentile(95), latency:percentile(99)
   ))
end
