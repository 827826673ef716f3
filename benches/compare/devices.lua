-- wrk: every request a real phone's own (its User-Agent, its file), in
-- turn over the targets; the threads start at evenly spaced points of them.
-- Requests are formatted once, in init(). The targets (`provd-bench
-- http-targets`: User-Agent TAB path per line) and wrk's thread count come
-- from PROVD_WRK_TARGETS and PROVD_WRK_THREADS. Headers given to wrk with -H
-- (e.g. `Connection: close`: a new connection per request) are added to
-- every request: wrk.format() leaves them out once it is given headers.
local targets = os.getenv("PROVD_WRK_TARGETS")
local wrk_threads = tonumber(os.getenv("PROVD_WRK_THREADS") or "1")
local reqs, n, counter, threads = {}, 0, 0, 0

function setup(thread)
  thread:set("no", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(targets) do
    local ua, path = line:match("^([^\t]+)\t([^\t]+)")
    n = n + 1
    local headers = { ["User-Agent"] = ua, ["Host"] = "provd" }
    for k, v in pairs(wrk.headers) do headers[k] = headers[k] or v end
    reqs[n] = wrk.format("GET", path, headers)
  end
  counter = (tonumber(wrk.thread:get("no")) or 0) * math.floor(n / wrk_threads)
end

function request()
  counter = counter + 1
  return reqs[(counter % n) + 1]
end
