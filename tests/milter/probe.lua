-- probe.lua — send the ordinary message (from jane@example.net) once and
-- print its X-Copytroll-Status as "# status: VALUE" ("# status: none" when
-- the milter added none).  Settings (miltertest -D): sock, fixtures,
-- libdir, qid.
local T = dofile(libdir .. "/mtlib.lua")

T.run(function ()
  local conn = T.connect()
  local reply = T.send(conn, { from = "jane@example.net", file = "ordinary.eml",
                               rcpts = { "owner@example.org" }, qid = qid })
  T.ok(T.accepted(reply), qid .. ": accepted")
  mt.echo("# status: " .. tostring(T.status(conn) or "none"))
  mt.disconnect(conn)
end)
