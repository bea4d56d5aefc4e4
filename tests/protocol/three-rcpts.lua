-- three-rcpts.lua — one claim to three envelope recipients (mixed case):
-- one header on the message; protocol.t then checks that the case is
-- recorded for each recipient, lower-cased.
local T = dofile(libdir .. "/mtlib.lua")

T.run(function ()
  local conn = T.connect()
  local reply = T.send(conn, { from = "legal@copytrack.com",
                               file = "copytrack-second-notice.eml",
                               rcpts = { "owner@example.org",
                                         "Webmaster@Example.ORG",
                                         "EDITOR@example.NET" },
                               qid = "4TQ3R1A001" })
  T.ok(T.accepted(reply), "claim to three recipients accepted")
  local v = T.status(conn)
  T.diag("X-Copytroll-Status: " .. tostring(v))
  local f = T.fields(v) or {}
  T.ok(f.verdict == "claim" and f.agency == "copytrack" and f.case == "4829510",
       "tagged claim; agency=copytrack; case=4829510")
  T.ok(mt.getheader(conn, "X-Copytroll-Status", 1) == nil,
       "one X-Copytroll-Status for the message, not one per recipient")
  mt.disconnect(conn)
end)
