-- wrk: every request a real phone's own (its User-Agent, its file), in
-- turn over the targets; the threads start at evenly spaced points of them.
-- Requests are formatted once, in init(). The targets (`provd-bench
-- http-targets`: User-Agent TAB path per line) and wrk's thread count come
-- from PROVD_WRK_TARGETS and PROVD_WRK_THREADS.
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
    reqs[n] = wrk.format("GET", path, { ["User-Agent"] = ua, ["Host"] = "provd" })
  end
  counter = (tonumber(wrk.thread:get("no")) or 0) * math.floor(n / wrk_threads)
end

function request()
  counter = counter + 1
  return reqs[(counter % n) + 1]
end
