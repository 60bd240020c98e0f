-- PartnerHub bench: POST a figure per request, cycling through the open period's
-- (indicator, period, organization) targets. The targets file has one
-- "indicator period organization" line each; script arguments: the file and the number
-- of threads. Each thread takes every n-th target, so no two threads create the same
-- figure at once; every visit of a target sends a new value, so every request writes.

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")

local next_id = 0

function setup(thread)
   thread:set("thread_id", next_id)
   next_id = next_id + 1
end

local paths_body = {}
local counter = 0

function init(args)
   local file, threads = args[1], tonumber(args[2])
   local index = 0
   for line in io.lines(file) do
      local indicator, period, organization = line:match("^(%d+) (%d+) (%d+)$")
      if indicator then
         if index % threads == thread_id then
            table.insert(paths_body, {indicator, period, organization})
         end
         index = index + 1
      end
   end
   if #paths_body == 0 then
      error("post.lua: no targets for thread " .. thread_id .. " in " .. file)
   end
   -- Start at a random cycle, so a new run rarely repeats the values the last one left.
   math.randomseed(os.time() + thread_id)
   counter = math.random(0, 96) * #paths_body
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   local target = paths_body[(counter % #paths_body) + 1]
   -- The value moves on every visit of a target (1..97: valid for percentages too).
   local value = (math.floor(counter / #paths_body) % 97) + 1
   counter = counter + 1
   local body = string.format(
      '{"indicator": %s, "period": %s, "organization": %s, "value": "%d", "submit": true}',
      target[1], target[2], target[3], value
   )
   return wrk.format(nil, nil, nil, body)
end
