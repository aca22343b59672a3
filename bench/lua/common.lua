-- The request loop shared by every wrk scenario (bench/run.py prepends the scenario's
-- `method`, `paths`, `headers` and, for POSTs, `bodies` and `idempotency_prefix`).
-- Each request gets the next path (and body); POSTs get a unique Idempotency-Key.
-- Response statuses are counted per thread and printed by done() as "STATUS <code> <n>".

local threads = {}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("thread_id", created)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  counter = 0
  -- threads start at different places in the path list
  offset = (thread_id or 1) * 7919
end

function request()
  counter = counter + 1
  local path = paths[((counter + offset) % #paths) + 1]
  if bodies == nil then
    return wrk.format(method, path, headers)
  end
  local h = {}
  for k, v in pairs(headers) do h[k] = v end
  h["Idempotency-Key"] = idempotency_prefix .. "-" .. thread_id .. "-" .. counter
  return wrk.format(method, path, h, bodies[((counter + offset) % #bodies) + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      totals[code] = (totals[code] or 0) + n
    end
  end
  for code, n in pairs(totals) do
    io.write(string.format("STATUS %d %d\n", code, n))
  end
end
