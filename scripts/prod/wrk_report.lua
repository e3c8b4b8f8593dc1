-- wrk script: rotate over the paths given after "--", print one JSON line when done.
-- wrk -t1 -c16 -d60s --latency -s scripts/prod/wrk_report.lua http://127.0.0.1:8530 -- / /tags/
local paths = {}
local counter = 0

function init(args)
  for _, path in ipairs(args) do table.insert(paths, path) end
  if #paths == 0 then table.insert(paths, "/") end
  counter = math.random(#paths)
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "duration_s": %.2f, "rps": %.1f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_ms": {"mean": %.2f, "p50": %.2f, "p90": %.2f, "p99": %.2f, "max": %.2f}}\n',
    summary.requests, seconds, summary.requests / seconds,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
