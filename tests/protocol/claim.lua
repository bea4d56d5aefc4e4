-- claim.lua — each kind of COPYTRACK notice gets X-Copytroll-Status (and
-- the advice header); the body is never changed.
local T = dofile(libdir .. "/mtlib.lua")

T.run(function ()
  local notices = {
    { file = "copytrack-first-notice.eml", kind = "first_notice", qid = "4TQ1C1A001" },
    { file = "copytrack-reminder.eml", kind = "reminder", qid = "4TQ1C1A002" },
    { file = "copytrack-closed.eml", kind = "closed", qid = "4TQ1C1A003" },
  }

  for _, n in ipairs(notices) do
    local conn = T.connect()
    local reply = T.send(conn, { from = "legal@copytrack.com", file = n.file,
                                 rcpts = { "owner@example.org" }, qid = n.qid })
    local what = n.file .. ": "
    T.ok(T.accepted(reply), what .. "accepted at end of message")
    local v = T.status(conn)
    T.diag(what .. "X-Copytroll-Status: " .. tostring(v))
    T.ok(v ~= nil, what .. "X-Copytroll-Status added")
    T.ok(v ~= nil and v:find("^claim; agency=copytrack;") ~= nil,
         what .. "value starts with 'claim; agency=copytrack;'")
    local f = T.fields(v) or {}
    T.ok(f.kind == n.kind, what .. "kind=" .. n.kind)
    T.ok(f.case == "4827163", what .. "case=4827163")
    T.ok(f.score ~= nil and tonumber(f.score) ~= nil, what .. "score is a number")
    T.ok(v == nil or v:find("[\r\n\128-\255]") == nil,
         what .. "no CR, LF or 8-bit byte in the value")
    T.ok(T.spacing_ok(conn, T.added_raw(conn, "X-Copytroll-Status")),
         what .. "leading space as negotiated (SMFIP_HDR_LEADSPC)")
    T.ok(mt.getheader(conn, "X-Copytroll-Status", 1) == nil,
         what .. "only one X-Copytroll-Status added")
    local adv = T.added(conn, "X-Copytroll-Advice", 0)
    T.diag(what .. "X-Copytroll-Advice: " .. tostring(adv))
    T.ok(adv ~= nil and adv:find("^https?://%S+$") ~= nil,
         what .. "X-Copytroll-Advice is a URL (AddAdvice yes)")
    T.ok(not mt.eom_check(conn, MT_BODYCHANGE), what .. "body not changed")
    mt.disconnect(conn)
  end
end)
