-- backtrack.lua — with a catastrophic-backtracking rule loaded, a message
-- that drives the pattern into PCRE2's match limit is still accepted
-- (untouched when it is ordinary mail, tagged when it is a claim).
local T = dofile(libdir .. "/mtlib.lua")

T.run(function ()
  local conn = T.connect()
  local reply = T.send(conn, { from = "pat@example.net", file = "backtrack-plain.eml",
                               rcpts = { "owner@example.org" }, qid = "4TQBT00001" })
  T.ok(T.accepted(reply), "ordinary mail hitting the match limit is accepted")
  T.ok(T.untouched(conn), "ordinary mail hitting the match limit is left untouched")
  mt.disconnect(conn)

  conn = T.connect()
  reply = T.send(conn, { from = "legal@copytrack.com", file = "backtrack-claim.eml",
                         rcpts = { "owner@example.org" }, qid = "4TQBT00002" })
  T.ok(T.accepted(reply), "a claim hitting the match limit is accepted")
  local v = T.status(conn)
  T.diag("X-Copytroll-Status: " .. tostring(v))
  T.ok(v ~= nil and v:find("^claim; agency=copytrack;") ~= nil,
       "the claim is still recognised (the other rules ran)")
  mt.disconnect(conn)
end)
