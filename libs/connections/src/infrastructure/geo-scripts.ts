/**
 * Lua scripts of the GEO index. Each touches only keys of one partition (same `{cell}` hash
 * tag, so one Redis Cluster slot) and answers in one reply: one round trip per update,
 * one per partition searched (all issued in the same turn of the event loop, so written together: writeCoalescer).
 *
 * Partition keys: `<prefix>:conn:{<cell>}:o` officers GEO set of their **coarse** positions
 * (the only officer positions any search reads), `…:ox` officers' exact positions (read by id
 * only, for the speed check and the proximity rule), `…:os` officers last-seen (ZSET, epoch ms),
 * `…:c` / `…:cs` the same for citizens (exact: a citizen's own position). An officer lives in
 * the partition of its coarse position.
 */

/**
 * Shared search body: adaptive radius. For each radius step, read the nearest `cap`
 * candidates, drop stale ones (last seen < cutoff), widen COUNT while stale members hide
 * fresh ones, and stop at the first step that yields `limit` fresh members (or the last
 * step). Redis's GEOSEARCH cost grows with the members inside the search box, so a dense
 * metro is answered from a 500 m box instead of the full radius.
 *
 * With more than one step, a probe comes first: the widest radius with `COUNT cap ANY`, which
 * stops as soon as it has found `cap` members. Fewer than `cap` means it found every member
 * within the widest radius, so the answer is its fresh ones, nearest first: exactly what the
 * steps would give (their nearest `limit` fresh members), from one search and one ZMSCORE
 * instead of one of each per step. Only where `cap` or more members are within the widest
 * radius (a dense centre) do the steps run after it.
 * Returns rows {member, geohash} nearest first: the 52-bit geohash is the member's position
 * (decodeGeohash), one integer instead of WITHCOORD and WITHDIST's three formatted doubles,
 * whose conversion to Lua and back cost more than the search itself. The caller works out
 * the distance from it, with Redis's formula.
 */
const SEARCH_FN = `
local function freshOf(res, seen, cutoff, limit)
  local fresh = {}
  if #res == 0 then return fresh end
  local members = {}
  for j = 1, #res do members[j] = res[j][1] end
  local scores = redis.call('ZMSCORE', seen, unpack(members))
  for j = 1, #res do
    local s = scores[j]
    if s and tonumber(s) >= cutoff then
      fresh[#fresh + 1] = res[j]
      if #fresh >= limit then break end
    end
  end
  return fresh
end

local function search(geo, seen, lng, lat, cutoff, limit, cap, radii)
  if #radii > 1 then
    local all = redis.call('GEOSEARCH', geo, 'FROMLONLAT', lng, lat, 'BYRADIUS', radii[#radii], 'm', 'ASC', 'COUNT', cap, 'ANY', 'WITHHASH')
    if #all < cap then return freshOf(all, seen, cutoff, limit) end
  end
  local fresh = {}
  for i = 1, #radii do
    local count = cap
    while true do
      local res = redis.call('GEOSEARCH', geo, 'FROMLONLAT', lng, lat, 'BYRADIUS', radii[i], 'm', 'ASC', 'COUNT', count, 'WITHHASH')
      fresh = freshOf(res, seen, cutoff, limit)
      if #fresh >= limit or #res < count or count >= 4096 then break end
      count = count * 4
    end
    if #fresh >= limit then return fresh end
  end
  return fresh
end
`;

/**
 * Writes a member's position and last-seen (KEYS: geo, seen; ARGV: lng, lat, member, nowMs) and
 * keeps both keys expiring `ttl` ms (a Lua expression) after the last write; `added` is 1 when
 * the member is new in the partition.
 */
const WRITE_MEMBER = (
  ttl: string,
): string => `local added = redis.call('GEOADD', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ${ttl})
redis.call('PEXPIRE', KEYS[2], ${ttl})
`;

/**
 * KEYS: geo, seen. ARGV: lng, lat, cutoff, limit, cap, radius1 [, radius2 ...].
 */
export const SEARCH_LUA = `${SEARCH_FN}
local radii = {}
for i = 6, #ARGV do radii[#radii + 1] = ARGV[i] end
return search(KEYS[1], KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), radii)
`;

/**
 * Writes one position. KEYS: geo, seen. ARGV: lng, lat, member, nowMs, ttlMs.
 * Returns 1 when the member is new in this partition. The keys expire when nobody updates
 * them (the citizens' index is short-lived by design; abandoned partitions vanish).
 */
export const UPDATE_LUA = `
${WRITE_MEMBER('ARGV[5]')}return added
`;

/** A setting written into a script: a positive integer (anything else would change the Lua). */
function setting(script: string, name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new Error(`${script} script: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** An instance's fixed settings, written into the officer update script instead of sent with every call. */
export interface OfficerUpdateSettings {
  ttlMs: number;
  staleAfterMs: number;
  citizenRadiusM: number;
  citizenLimit: number;
}

/**
 * An officer's update plus the citizens around the new coarse position, in one call.
 * KEYS: officers geo (coarse), officers seen, citizens geo, citizens seen, officers exact geo.
 * ARGV: coarse lng, coarse lat, member, nowMs, exact lng, exact lat.
 * Returns {added, citizenRows}: who is within reach is decided by the coarse position, as
 * every answer about an officer is. The settings are part of the script (its SHA differs with
 * them): this is the command sent most often, and ioredis's cost per command grows with its
 * arguments (measured: 6.6-7.2 µs of client CPU with these 10 arguments, 8.0-9.9 with the 14
 * it had).
 */
export function officerUpdateLua(s: OfficerUpdateSettings): string {
  const n = (name: keyof OfficerUpdateSettings): number => setting('officer update', name, s[name]);
  return `${SEARCH_FN}
local now = tonumber(ARGV[4])
${WRITE_MEMBER(String(n('ttlMs')))}redis.call('GEOADD', KEYS[5], ARGV[5], ARGV[6], ARGV[3])
redis.call('PEXPIRE', KEYS[5], ${n('ttlMs')})
local citizens = search(KEYS[3], KEYS[4], ARGV[1], ARGV[2], now - ${n('staleAfterMs')}, ${n('citizenLimit')}, ${n('citizenLimit')}, {${n('citizenRadiusM')}})
return {added, citizens}
`;
}

/**
 * A citizen's update plus the officers around the new position in the same partition, in one
 * call (the common case: the search circle lies inside the own partition).
 * KEYS: citizens geo, citizens seen, officers geo, officers seen.
 * ARGV: lng, lat, member, nowMs, ttlMs, officerCutoff, limit, cap, radius1 [, radius2 ...].
 * Returns {added, officerRows}.
 */
export const CITIZEN_UPDATE_LUA = `${SEARCH_FN}
${WRITE_MEMBER('ARGV[5]')}local radii = {}
for i = 9, #ARGV do radii[#radii + 1] = ARGV[i] end
local officers = search(KEYS[3], KEYS[4], ARGV[1], ARGV[2], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), radii)
return {added, officers}
`;

/** The fixed settings of a citizen's `location` update (the instance's radius, answer size and candidate cap). */
export interface CitizenUpdateSettings {
  ttlMs: number;
  staleAfterMs: number;
  limit: number;
  cap: number;
  radii: number[];
}

/**
 * CITIZEN_UPDATE_LUA with the instance's fixed settings written in: ARGV is lng, lat, member,
 * nowMs only. Citizens' `location` messages (the nearby query the app answers most) send
 * 4 arguments instead of 11 or more; other radii and limits use CITIZEN_UPDATE_LUA.
 */
export function citizenUpdateLua(s: CitizenUpdateSettings): string {
  const n = (name: Exclude<keyof CitizenUpdateSettings, 'radii'>): number =>
    setting('citizen update', name, s[name]);
  if (s.radii.length === 0) throw new Error('citizen update script: radii must not be empty');
  const radii = s.radii.map((r, i) => setting('citizen update', `radii[${i}]`, r)).join(', ');
  return `${SEARCH_FN}
local now = tonumber(ARGV[4])
${WRITE_MEMBER(String(n('ttlMs')))}local officers = search(KEYS[3], KEYS[4], ARGV[1], ARGV[2], now - ${n('staleAfterMs')}, ${n('limit')}, ${n('cap')}, {${radii}})
return {added, officers}
`;
}

/** Removes one member. KEYS: geo, seen [, more geo sets of the role]. ARGV: member. Returns 1 when it was there. */
export const REMOVE_LUA = `
for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
`;

/**
 * Sweeps members not seen since the cutoff. KEYS: geo, seen [, more geo sets of the role].
 * ARGV: cutoff, batch. Returns the members left in the partition.
 */
export const SWEEP_LUA = `
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #stale > 0 then
  for i = 1, #KEYS do redis.call('ZREM', KEYS[i], unpack(stale)) end
end
return redis.call('ZCARD', KEYS[2])
`;

/**
 * Position and last-seen of one member. KEYS: geo (exact), seen [, coarse geo]. ARGV: member.
 * Returns {{lng, lat} | false, seen | false, {lng, lat} | false (coarse)}.
 */
export const POSITION_LUA = `
local pos = redis.call('GEOPOS', KEYS[1], ARGV[1])
local seen = redis.call('ZSCORE', KEYS[2], ARGV[1])
local coarse = false
if KEYS[3] then coarse = redis.call('GEOPOS', KEYS[3], ARGV[1])[1] end
return {pos[1], seen, coarse}
`;

/** One use of a fixed-window budget. KEYS: counter. ARGV: windowMs. Returns the uses in the window so far. */
export const SPEND_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;
