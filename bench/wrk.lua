-- wrk script of the load benchmark and the soak (bench/common.py's wrk() writes the inputs).
--
-- WRK_REQUESTS (optional): requests to rotate through, one a line:
--     METHOD <tab> PATH <tab> BEARER TOKEN or - <tab> JSON BODY or -
--   Thread k of WRK_THREADS sends lines k, k + n, k + 2n, ... so no two threads send the same line at
--   once (an endpoint measured "uncached" gets a page or search nobody asked before). Without it wrk
--   sends its one static request.
-- WRK_TOKENS (the soak only): the callers of the lifecycle, one a line:
--     customer|professional <tab> ID (customers.id / professionals.id) <tab> BEARER TOKEN
--   It turns on response(): every status is counted (wrk's own count only sees >= 400) and the
--   rotation's bookings (remarks "soak-chain") are walked through a legal lifecycle by the thread that
--   got the answer, each step sent only after the previous one succeeded:
--     id % 4 == 0: accept, then withdraw with a reason (professional; a booking cannot be completed or
--                  closed before its start, and the soak's all start hours ahead)
--     id % 4 == 1: accept (professional), then cancel (customer, PATCH /api/service-requests with the id)
--     id % 4 == 2: reject (professional)
--     id % 4 == 3: cancel (customer)
--   The load benchmark leaves response() undefined: wrk would otherwise parse every body for Lua.
-- WRK_COUNT_STATUSES=1 (the booking race): every status is counted as in the soak, without the
--   lifecycle (a 409 is an expected answer there, which wrk's own count cannot tell from an error).
--
-- done() prints one line: WRK_JSON {...}: the count, the duration, the socket errors (connect, read,
-- write, timeout), wrk's "status" count (responses >= 400) and latency percentiles in us; for the
-- soak also "statuses" (by code), "non2xx" (outside 200-299), "bad" (the first non-2xx, with the
-- start of their bodies), "chain" (lifecycle steps by the status reached) and "pending" (steps queued
-- when the run ended).

local requests_file = os.getenv("WRK_REQUESTS")
local tokens_file = os.getenv("WRK_TOKENS")
local count_statuses = tokens_file or os.getenv("WRK_COUNT_STATUSES") == "1"
local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
local threads = {}
local next_id = 0
local prepared = {}
local counter = 0
local queue = {}
local queue_head = 1
local tokens = { customer = {}, professional = {} }

statuses = {}
bad = {}
chain = {}
pending = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

local function format(method, path, token, body)
  local headers = {}
  if token and token ~= "-" then
    headers["Authorization"] = "Bearer " .. token
  end
  if body then
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, path, headers, body)
end

function init(args)
  if requests_file then
    for line in io.lines(requests_file) do
      local method, path, token, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
      if method then
        prepared[#prepared + 1] = format(method, path, token, (body ~= "-" and body ~= "") and body or nil)
      end
    end
  end
  if tokens_file then
    for line in io.lines(tokens_file) do
      local role, id, token = line:match("^(%a+)\t(%d+)\t(.+)$")
      if role and tokens[role] then
        tokens[role][tonumber(id)] = token
      end
    end
  end
  counter = tid or 0
end

local function rotate()
  local r = prepared[(counter % #prepared) + 1]
  counter = counter + nthreads
  return r
end

local function bump(t, key)
  t[key] = (t[key] or 0) + 1
end

local function enqueue(method, path, token, body)
  queue[#queue + 1] = format(method, path, token, body)
end

local function next_step(body)
  local id = tonumber(body:match('[{,]"id":(%d+)'))
  local state = body:match('[{,]"status":"(%a+)"')
  local customer = tokens.customer[tonumber(body:match('"customer_id":(%d+)') or "0")]
  local professional = tokens.professional[tonumber(body:match('"professional_id":(%d+)') or "0")]
  if not id or not state then
    bump(chain, "unparsed")
    return
  end
  bump(chain, state)
  if not customer or not professional then
    bump(chain, "no_token")
    return
  end
  local path = "/api/service-requests/" .. id
  local branch = id % 4
  if state == "requested" then
    if branch == 2 then
      enqueue("PATCH", path, professional, '{"action":"reject"}')
    elseif branch == 3 then
      enqueue("PATCH", path, customer, '{"action":"cancel"}')
    else
      enqueue("PATCH", path, professional, '{"action":"accept"}')
    end
  elseif state == "assigned" then
    if branch == 0 then
      enqueue("PATCH", path, professional, '{"action":"withdraw","reason":"soak"}')
    else
      enqueue("PATCH", "/api/service-requests", customer, '{"id":' .. id .. ',"action":"cancel"}')
    end
  end
end

if tokens_file then
  request = function()
    if queue_head > #queue then
      return rotate()
    end
    local r = queue[queue_head]
    queue[queue_head] = nil
    queue_head = queue_head + 1
    if queue_head > #queue then
      queue = {}
      queue_head = 1
    end
    return r
  end

  response = function(status, headers, body)
    bump(statuses, tostring(status))
    if status < 200 or status > 299 then
      if #bad < 5 then
        bad[#bad + 1] = status .. " " .. (body or ""):sub(1, 200)
      end
    elseif body and body:sub(1, 1) == "{" and body:find('"remarks":"soak-chain"', 1, true) then
      next_step(body)
    end
    pending = #queue - queue_head + 1
  end
elseif requests_file then
  request = rotate
end

if count_statuses and not tokens_file then
  response = function(status, headers, body)
    bump(statuses, tostring(status))
    if (status < 200 or status > 299) and status ~= 409 and #bad < 5 then
      bad[#bad + 1] = status .. " " .. (body or ""):sub(1, 200)
    end
  end
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

local function json_counts(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = json_string(tostring(k)) .. ":" .. t[k]
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function soak_fields()
  local all_statuses, all_chain, all_bad = {}, {}, {}
  local non2xx, left = 0, 0
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses") or {}) do
      all_statuses[k] = (all_statuses[k] or 0) + v
      local code = tonumber(k)
      if code < 200 or code > 299 then
        non2xx = non2xx + v
      end
    end
    for k, v in pairs(thread:get("chain") or {}) do
      all_chain[k] = (all_chain[k] or 0) + v
    end
    for _, b in ipairs(thread:get("bad") or {}) do
      all_bad[#all_bad + 1] = json_string(b)
    end
    left = left + (thread:get("pending") or 0)
  end
  return string.format(', "statuses": %s, "non2xx": %d, "bad": [%s], "chain": %s, "pending": %d',
    json_counts(all_statuses), non2xx, table.concat(all_bad, ","), json_counts(all_chain), left)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f%s}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, count_statuses and soak_fields() or ""))
end
