-- wrk script: players watching videos of a catalog. Each request comes from the next of
-- PLAYERS players (round robin within a wrk thread). A player picks a video with Zipf(1.0)
-- popularity over VIDEOS videos (v001 … vNNN, v001 the most popular), asks for its master
-- and media playlists, then its segments in order (video and audio of segment 1, 2, …,
-- SEGMENTS), then picks another video. Environment: VIDEOS, SEGMENTS, PLAYERS, and SEED
-- (the same seed gives the same requests in the same order, as far as a run gets).
local videos = tonumber(os.getenv("VIDEOS") or "500")
local segments = tonumber(os.getenv("SEGMENTS") or "10")
local players = tonumber(os.getenv("PLAYERS") or "32")

local cdf = {}
do
  local total = 0
  for k = 1, videos do total = total + 1 / k end
  local sum = 0
  for k = 1, videos do sum = sum + (1 / k) / total; cdf[k] = sum end
end

local function zipf()
  local u = math.random()
  local lo, hi = 1, videos
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- A player's steps: 1 master, 2 video playlist, 3 audio playlist, then 2 per segment.
local state = {}
local turn = 0

local function start(p)
  state[p] = { video = string.format("v%03d", zipf()), step = 1 }
end

function init(args)
  math.randomseed(tonumber(os.getenv("SEED") or "") or (os.time() * 1000 + math.floor(os.clock() * 1e6) + math.random(1e6)))
  for p = 1, players do start(p) end
end

request = function()
  turn = turn % players + 1
  local s = state[turn]
  local path
  if s.step == 1 then path = "/hls/" .. s.video .. "/master.m3u8"
  elseif s.step == 2 then path = "/hls/" .. s.video .. "/video/index.m3u8"
  elseif s.step == 3 then path = "/hls/" .. s.video .. "/audio/index.m3u8"
  else
    local k = s.step - 4
    local n = math.floor(k / 2) + 1
    path = "/cmaf/" .. s.video .. "/" .. (k % 2 == 0 and "video" or "audio") .. "/" .. n .. ".m4s"
  end
  s.step = s.step + 1
  if s.step > 3 + 2 * segments then start(turn) end
  return wrk.format("GET", path)
end
