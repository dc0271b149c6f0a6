-- wrk script for the load benchmark (bench/load.py writes the inputs).
--
-- WRK_REQUESTS (optional): a file of requests to rotate through, one per line:
--     METHOD <tab> PATH <tab> BEARER TOKEN or - <tab> JSON BODY or -
-- Thread k of WRK_THREADS sends lines k, k + n, k + 2n, ... so no two threads send the same line at once
-- (an endpoint measured "uncached" gets a fresh page or search each time).
-- Without WRK_REQUESTS wrk sends its one static request (the URL given on the command line).
--
-- done() prints one line: WRK_JSON {...} with the request count, the duration, the errors
-- (socket errors: connect, read, write, timeout; status: responses >= 400) and latency percentiles in us.

local requests_file = os.getenv("WRK_REQUESTS")
local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
local prepared = {}
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

function init(args)
  if not requests_file then
    return
  end
  for line in io.lines(requests_file) do
    local method, path, token, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
    if method then
      local headers = {}
      if token ~= "-" then
        headers["Authorization"] = "Bearer " .. token
      end
      if body == "-" or body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      prepared[#prepared + 1] = wrk.format(method, path, headers, body)
    end
  end
  counter = tid or 0
end

if requests_file then
  request = function()
    local r = prepared[(counter % #prepared) + 1]
    counter = counter + nthreads
    return r
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
