-- wrk script for scripts/bench-gateway: POST /mcp with a JSON-RPC body and
-- `Authorization: Bearer <token>`, tokens read from a file (one per line).
--
-- Environment:
--   XAA_BENCH_TOKENS  file of tokens (required). One line: every request carries that token
--                     (the "cached" scenario). Many lines: thread i of T sends tokens
--                     OFFSET+i, OFFSET+i+T, OFFSET+i+2T, ... so no two requests of a run carry
--                     the same token until the list wraps (the "distinct" scenario).
--   XAA_BENCH_OFFSET  first token index (0-based; default 0): a run continues where the
--                     previous one (its warm-up) stopped.
--   XAA_BENCH_DELAY   milliseconds each connection waits after a response before its next
--                     request (default 0: closed loop at full speed). wrk starts its latency
--                     clock when the request is written, so the wait is not counted.
--   XAA_BENCH_PACING  fixed (default): exactly XAA_BENCH_DELAY each time; exponential: a
--                     random wait with that mean (Poisson-like arrivals, no bursts).
--   XAA_BENCH_HOST    Host header value.
--   XAA_BENCH_THREADS the wrk -t value (init runs before every thread exists).
--
-- done() prints one machine-readable line, `XAA_BENCH key=value ...`: requests, duration
-- (µs), latency percentiles (µs), errors, and the highest token index used + 1 (next_offset).

local body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
local threads = {}
local counter = 1

function setup(thread)
   thread:set("id", counter - 1)
   table.insert(threads, thread)
   counter = counter + 1
end

function init(args)
   nthreads = tonumber(os.getenv("XAA_BENCH_THREADS") or "1")
   local path = os.getenv("XAA_BENCH_TOKENS") or error("XAA_BENCH_TOKENS is not set")
   tokens = {}
   for line in io.lines(path) do
      if #line > 0 then tokens[#tokens + 1] = line end
   end
   if #tokens == 0 then error(path .. ": no tokens") end
   offset = tonumber(os.getenv("XAA_BENCH_OFFSET") or "0")
   delay_ms = tonumber(os.getenv("XAA_BENCH_DELAY") or "0")
   local host = os.getenv("XAA_BENCH_HOST") or "127.0.0.1"
   head = "POST /mcp HTTP/1.1\r\nHost: " .. host .. "\r\nAuthorization: Bearer "
   tail = "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
      .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
   sent = 0
   fixed = nil
   if #tokens == 1 then fixed = head .. tokens[1] .. tail end
   if delay_ms > 0 then
      if (os.getenv("XAA_BENCH_PACING") or "fixed") == "exponential" then
         -- Think times drawn from an exponential distribution with mean delay_ms (rounded to
         -- whole ms, as wrk's timer takes them): the connections drift apart and requests
         -- arrive about as a Poisson stream. A fixed delay keeps the 32 connections in step,
         -- so every 10 ms a burst of 32 requests arrives together and the last one waits for
         -- the 31 before it. Seeded per thread: every run draws the same sequence.
         math.randomseed(7919 + id)
         delay = function()
            return math.floor(-delay_ms * math.log(1 - math.random()) + 0.5)
         end
      else
         delay = function() return delay_ms end
      end
   end
end

function request()
   if fixed then
      sent = sent + 1
      return fixed
   end
   -- 0-based index of this thread's next token
   local n = offset + id + sent * nthreads
   sent = sent + 1
   return head .. tokens[(n % #tokens) + 1] .. tail
end

function done(summary, latency, requests)
   local used = 0
   for _, t in ipairs(threads) do
      local s = t:get("sent")
      local last = t:get("offset") + t:get("id") + (s - 1) * #threads + 1
      if s > 0 and last > used then used = last end
   end
   local e = summary.errors
   io.write(string.format(
      "XAA_BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p75_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f"
         .. " non2xx=%d connect=%d read=%d write=%d timeout=%d next_offset=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean,
      e.status, e.connect, e.read, e.write, e.timeout, used))
end
