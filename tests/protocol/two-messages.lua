-- two-messages.lua — several messages on one connection: claim, ordinary
-- mail, claim.  Nothing of one message may leak into the next.
local T = dofile(libdir .. "/mtlib.lua")

T.run(function ()
  local conn = T.connect()
  local reply = T.send(conn, { from = "legal@copytrack.com",
                               file = "copytrack-first-notice.eml",
                               rcpts = { "owner@example.org" }, qid = "4TQ2M1A001" })
  T.ok(T.accepted(reply), "message 1 (claim) accepted")
  local f = T.fields(T.status(conn)) or {}
  T.ok(f.verdict == "claim" and f.case == "4827163",
       "message 1 tagged as claim, case 4827163")

  reply = T.send(conn, { from = "jane@example.net", file = "ordinary.eml",
                         rcpts = { "owner@example.org" }, qid = "4TQ2M1A002" })
  T.ok(T.accepted(reply), "message 2 (ordinary) accepted on the same connection")
  T.ok(T.untouched(conn), "message 2 untouched (no state left from message 1)")

  reply = T.send(conn, { from = "legal@copytrack.com",
                         file = "copytrack-closed.eml",
                         rcpts = { "owner@example.org" }, qid = "4TQ2M1A003" })
  T.ok(T.accepted(reply), "message 3 (closure) accepted on the same connection")
  local v = T.status(conn)
  T.diag("message 3: X-Copytroll-Status: " .. tostring(v))
  f = T.fields(v) or {}
  T.ok(f.verdict == "claim" and f.kind == "closed", "message 3 tagged kind=closed")
  mt.disconnect(conn)
end)
