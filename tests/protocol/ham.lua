-- ham.lua — an ordinary message passes without any modification.
local T = dofile(libdir .. "/mtlib.lua")

T.run(function ()
  local conn = T.connect()
  local reply = T.send(conn, { from = "jane@example.net", file = "ordinary.eml",
                               rcpts = { "owner@example.org" } })
  T.ok(T.accepted(reply), "ordinary mail is accepted")
  T.ok(T.untouched(conn), "ordinary mail: no header, body or envelope change")
  T.ok(T.status(conn) == nil, "ordinary mail: no X-Copytroll-Status")
  mt.disconnect(conn)
end)
