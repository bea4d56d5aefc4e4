-- load-loop.lua — a stream of messages for reload.t: ordinary mail and a
-- COPYTRACK reminder, in turn, 20 per connection, until the file `stopfile`
-- exists or `max` messages were sent.  Queue ids are `tag` and a 5-digit
-- number.  Every reply must be accept/continue.  Prints "# sent N" and one
-- "ok:"/"not ok:" line.  Settings (miltertest -D): sock, fixtures, libdir,
-- stopfile, tag, max.
local T = dofile(libdir .. "/mtlib.lua")

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

T.run(function ()
  local sent, accepted = 0, 0
  local conn = T.connect()
  for i = 1, tonumber(max) do
    if exists(stopfile) then break end
    if i > 1 and (i - 1) % 20 == 0 then
      mt.disconnect(conn)
      conn = T.connect()
    end
    local msg = { from = "jane@example.net", file = "ordinary.eml",
                  rcpts = { "owner@example.org" }, qid = string.format("%s%05d", tag, i) }
    if i % 3 == 0 then
      msg.from, msg.file = "legal@copytrack.com", "copytrack-reminder.eml"
    end
    local reply = T.send(conn, msg)
    sent = sent + 1
    if T.accepted(reply) then
      accepted = accepted + 1
    else
      T.diag("message " .. msg.qid .. ": reply " .. tostring(reply))
    end
  end
  mt.disconnect(conn)
  mt.echo("# sent " .. sent)
  T.ok(sent > 0 and accepted == sent, tag .. ": every message accepted (" ..
       accepted .. " of " .. sent .. ")")
end)
