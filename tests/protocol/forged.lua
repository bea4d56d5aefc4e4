-- forged.lua — X-Copytroll-* headers from outside never survive: removed
-- from ordinary mail (and nothing added), replaced on a real claim.
local T = dofile(libdir .. "/mtlib.lua")

T.run(function ()
  local conn = T.connect()
  local reply = T.send(conn, { from = "news@example.com",
                               file = "forged-header.eml",
                               rcpts = { "owner@example.org" } })
  T.ok(T.accepted(reply), "ordinary mail with forged headers is accepted")
  T.ok(T.removed(conn, "X-Copytroll-Status"), "forged X-Copytroll-Status removed")
  T.ok(T.removed(conn, "X-Copytroll-Advice"), "forged X-Copytroll-Advice removed")
  T.ok(not (mt.eom_check(conn, MT_HDRADD) or mt.eom_check(conn, MT_HDRINSERT)),
       "nothing added to ordinary mail")
  T.ok(not mt.eom_check(conn, MT_BODYCHANGE), "body not changed")
  mt.disconnect(conn)

  -- A claim that arrives with a forged "none" verdict and a forged duplicate
  -- note, the latter spelt in lower case.
  conn = T.connect()
  reply = T.send(conn, { from = "legal@copytrack.com",
                         file = "copytrack-first-notice.eml",
                         rcpts = { "owner@example.org" },
                         extra = { { "X-Copytroll-Status", "none" },
                                   { "x-copytroll-duplicate", "case=1111111" } } })
  T.ok(T.accepted(reply), "claim with forged headers is accepted")
  T.ok(T.removed(conn, "X-Copytroll-Status"), "claim: forged X-Copytroll-Status removed")
  T.ok(T.removed(conn, "x-copytroll-duplicate") or
       T.removed(conn, "X-Copytroll-Duplicate"),
       "claim: forged x-copytroll-duplicate removed (any case)")
  local v = T.status(conn)
  T.diag("X-Copytroll-Status: " .. tostring(v))
  T.ok(v ~= nil and v:find("^claim; agency=copytrack;") ~= nil,
       "claim: the milter's own X-Copytroll-Status added")
  mt.disconnect(conn)
end)
