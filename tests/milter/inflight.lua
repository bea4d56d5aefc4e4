-- inflight.lua — a message in flight across SIGTERM: send the envelope,
-- the headers and the body of a COPYTRACK notice, create `readyfile`, wait
-- (up to 30 s) until `gofile` exists — reload.t creates it once the milter
-- logs that it is stopping — then end the message: it must still be
-- answered, tagged as a claim.  Meanwhile a second connection, opened
-- before the stop, sends a whole new notice: it must be answered and
-- passed on untouched (not scanned).  Settings (miltertest -D): sock,
-- fixtures, libdir, readyfile, gofile.
local T = dofile(libdir .. "/mtlib.lua")

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

T.run(function ()
  local conn = T.connect()
  local conn2 = T.connect()
  local headers, body = T.read_eml("copytrack-reminder.eml")
  T.need(mt.mailfrom(conn, "<legal@copytrack.com>") == nil, "MAIL FROM")
  if not mt.test_option(conn, SMFIP_NR_MAIL) then mt.getreply(conn) end
  mt.macro(conn, SMFIC_RCPT, "i", "INFLIGHT01")
  T.need(mt.rcptto(conn, "<owner@example.org>") == nil, "RCPT TO")
  if not mt.test_option(conn, SMFIP_NR_RCPT) then mt.getreply(conn) end
  local leadspc = mt.test_option(conn, SMFIP_HDR_LEADSPC)
  for _, h in ipairs(headers) do
    local v = h[2]
    if not leadspc then v = v:gsub("^[ \t]+", "") end
    T.need(mt.header(conn, h[1], v) == nil, "header " .. h[1])
    if not mt.test_option(conn, SMFIP_NR_HDR) then mt.getreply(conn) end
  end
  T.need(mt.eoh(conn) == nil, "end of headers")
  if not mt.test_option(conn, SMFIP_NR_EOH) then mt.getreply(conn) end
  T.need(mt.bodystring(conn, body) == nil, "body")
  if not mt.test_option(conn, SMFIP_NR_BODY) then mt.getreply(conn) end

  local f = io.open(readyfile, "w")
  f:write("ready\n")
  f:close()
  local waited = 0
  while not exists(gofile) and waited < 30 do
    mt.sleep(0.1)
    waited = waited + 0.1
  end
  T.ok(exists(gofile), "the milter began to stop while the message was in flight")
  mt.set_timeout(30)

  local reply2 = T.send(conn2, { from = "legal@copytrack.com", file = "copytrack-first-notice.eml",
                                 rcpts = { "owner@example.org" }, qid = "AFTERSTOP1" })
  T.ok(T.accepted(reply2), "a message begun after SIGTERM on an open connection is answered")
  T.ok(T.untouched(conn2), "and passed on untouched (not scanned)")
  mt.disconnect(conn2)

  T.need(mt.eom(conn) == nil, "end of message")
  local reply = mt.getreply(conn)
  T.ok(T.accepted(reply), "the message in flight is answered after SIGTERM")
  local st = T.fields(T.status(conn)) or {}
  T.ok(st.verdict == "claim" and st.agency == "copytrack",
       "and fully processed: tagged claim; agency=copytrack")
  mt.disconnect(conn)
end)
