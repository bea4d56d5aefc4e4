-- utf8-rcpt.lua — a COPYTRACK notice for an internationalised (SMTPUTF8)
-- recipient, sent while database.t keeps the database locked: the milter
-- must tag it and spool it under that recipient, 8-bit bytes and all.
local T = dofile(libdir .. "/mtlib.lua")

T.run(function ()
  local conn = T.connect()
  local reply = T.send(conn, { from = "legal@copytrack.com",
                               file = "copytrack-first-notice.eml",
                               rcpts = { "J\195\182rg@Example.ORG" }, qid = "4TQUTF8001" })
  T.ok(T.accepted(reply), "claim for J\195\182rg@Example.ORG accepted")
  local v = T.status(conn)
  T.ok(v ~= nil and v:find("^claim; agency=copytrack;") ~= nil, "... and tagged")
  mt.disconnect(conn)
end)
