-- mtlib.lua — shared helpers for the miltertest scripts in tests/protocol/.
--
-- Loaded with dofile(libdir .. "/mtlib.lua"); returns a table T.  The
-- scripts get their settings from miltertest -D: sock (the milter's socket
-- spec), fixtures (the directory of .eml files), libdir (this directory).
--
-- Results are printed as lines "ok: WHAT" / "not ok: WHAT" (and "# TEXT"
-- for diagnostics); protocol.t turns them into numbered TAP.  T.ok records
-- a check and goes on; T.need stops the script when a protocol step itself
-- fails, since later checks would mean nothing.  A script puts its body in
-- T.run(function () ... end): miltertest (2.11) exits 1 on a Lua error
-- without printing it, so T.run prints it ("# error: ...") first.
--
-- Postfix's way of talking to a milter is imitated: header values as they
-- follow the colon when the filter negotiated SMFIP_HDR_LEADSPC, else without
-- the leading white space; folded lines joined with "\n"; the body with CRLF
-- line ends in chunks of at most 64 KiB; envelope addresses in angle
-- brackets; the queue id macro "i" sent with RCPT (Postfix knows the queue
-- id only once a recipient is accepted).  Steps the filter declined
-- (SMFIP_NO*) are left out and replies it declined (SMFIP_NR_*) not awaited.
--
-- With SMFIP_HDR_LEADSPC the MTA also writes added header values verbatim,
-- so the filter must supply the space after the colon itself: T.added
-- returns the value without it, and T.spacing_ok tells whether the filter
-- got this right.

local T = {}

function T.ok(cond, what)
  if cond then
    mt.echo("ok: " .. what)
  else
    mt.echo("not ok: " .. what)
  end
  return cond
end

function T.need(cond, what)
  if not cond then
    error("protocol step failed: " .. what, 2)
  end
end

function T.diag(text)
  mt.echo("# " .. tostring(text))
end

function T.run(body)
  local ok, err = pcall(body)
  if not ok then
    mt.echo("# error: " .. tostring(err))
    os.exit(1)
  end
end

-- Read an .eml file: returns an array of {name, value} and the body
-- (CRLF line ends).
function T.read_eml(name)
  local path = fixtures .. "/" .. name
  local f = io.open(path, "rb")
  T.need(f ~= nil, "open " .. path)
  local data = f:read("a")
  f:close()
  data = data:gsub("\r\n", "\n")
  local head, body = data:match("^(.-)\n\n(.*)$")
  T.need(head ~= nil, path .. " has a header/body separator")
  local headers = {}
  for line in (head .. "\n"):gmatch("(.-)\n") do
    if line:match("^[ \t]") and #headers > 0 then
      local h = headers[#headers]
      h[2] = h[2] .. "\n" .. line
    else
      local n, v = line:match("^([^:]+):(.*)$")
      T.need(n ~= nil, path .. ": not a header line: " .. line)
      headers[#headers + 1] = { n, v }   -- v keeps its leading space
    end
  end
  return headers, (body:gsub("\n", "\r\n"))
end

-- Connect and negotiate; send the connection information unless the filter
-- declined it (SMFIP_NOCONNECT: miltertest refuses to send it then).
function T.connect()
  local conn = mt.connect(sock, 40, 0.25)
  T.need(conn ~= nil, "connect to " .. sock)
  T.need(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
  if not mt.test_option(conn, SMFIP_NOCONNECT) then
    T.need(mt.conninfo(conn, "client.example.net", "192.0.2.25") == nil,
           "conninfo")
    T.need(mt.getreply(conn) == SMFIR_CONTINUE, "conninfo reply is continue")
  end
  return conn
end

-- One protocol step, unless the filter declined it in the negotiation
-- (miltertest refuses to send a declined step).  The reply must be
-- "continue" unless the filter asked not to reply to this step (SMFIP_NR_*).
local function step(conn, what, no, nr, fn, ...)
  if no ~= nil and mt.test_option(conn, no) then
    return
  end
  T.need(fn(conn, ...) == nil, what)
  if nr == nil or not mt.test_option(conn, nr) then
    T.need(mt.getreply(conn) == SMFIR_CONTINUE, what .. ": reply is continue")
  end
end

-- Send one message through an open connection up to and including EOM.
-- msg = { from = ADDR, rcpts = {ADDR...}, file = NAME,
--         extra = { {name, value}... } (headers sent before the file's),
--         qid = QUEUEID }
-- Returns the reply to EOM.
function T.send(conn, msg)
  local headers, body = T.read_eml(msg.file)
  if msg.extra then
    for i = #msg.extra, 1, -1 do
      table.insert(headers, 1, { msg.extra[i][1], " " .. msg.extra[i][2] })
    end
  end
  step(conn, "MAIL FROM", SMFIP_NOMAIL, SMFIP_NR_MAIL,
       mt.mailfrom, "<" .. msg.from .. ">")
  for _, r in ipairs(msg.rcpts) do
    mt.macro(conn, SMFIC_RCPT, "i", msg.qid or "4TQ1D2XYZ0", "{rcpt_addr}", r)
    step(conn, "RCPT TO " .. r, SMFIP_NORCPT, SMFIP_NR_RCPT,
         mt.rcptto, "<" .. r .. ">")
  end
  local leadspc = mt.test_option(conn, SMFIP_HDR_LEADSPC)
  for _, h in ipairs(headers) do
    local v = h[2]
    if not leadspc then
      v = v:gsub("^[ \t]+", "")
    end
    step(conn, "header " .. h[1], SMFIP_NOHDRS, SMFIP_NR_HDR,
         mt.header, h[1], v)
  end
  step(conn, "end of headers", SMFIP_NOEOH, SMFIP_NR_EOH, mt.eoh)
  local chunk = 65535
  for pos = 1, #body, chunk do
    step(conn, "body", SMFIP_NOBODY, SMFIP_NR_BODY,
         mt.bodystring, body:sub(pos, pos + chunk - 1))
  end
  T.need(mt.eom(conn) == nil, "end of message")
  return mt.getreply(conn)
end

-- "claim; agency=copytrack; kind=x" → { verdict = "claim", agency = ..., ... }
function T.fields(value)
  if value == nil then
    return nil
  end
  local t = {}
  local first = true
  for part in (value .. ";"):gmatch("%s*(.-)%s*;") do
    if first then
      t.verdict = part
      first = false
    else
      local k, v = part:match("^([%w_-]+)=(.*)$")
      if k then
        t[k] = v
      end
    end
  end
  return t
end

-- The raw value of the n-th (from 0) header NAME the filter added, or nil.
function T.added_raw(conn, name, n)
  return mt.getheader(conn, name, n or 0)
end

-- Does a raw added value have the spacing the negotiation asks for: one
-- leading space with SMFIP_HDR_LEADSPC, none without?
function T.spacing_ok(conn, raw)
  if raw == nil then
    return false
  end
  if mt.test_option(conn, SMFIP_HDR_LEADSPC) then
    return raw:find("^ [^ \t]") ~= nil
  end
  return raw:find("^[^ \t]") ~= nil
end

-- The value of the n-th added header NAME as a reader sees it after the
-- colon and the space (nil if none).
function T.added(conn, name, n)
  local raw = T.added_raw(conn, name, n)
  if raw == nil then
    return nil
  end
  return (raw:gsub("^[ \t]+", ""))
end

-- The value of the X-Copytroll-Status header the milter added (nil if none).
function T.status(conn)
  if not (mt.eom_check(conn, MT_HDRADD, "X-Copytroll-Status") or
          mt.eom_check(conn, MT_HDRINSERT, "X-Copytroll-Status")) then
    return nil
  end
  return T.added(conn, "X-Copytroll-Status", 0)
end

-- Was header NAME removed (libmilter: a change to an empty value)?
function T.removed(conn, name)
  return mt.eom_check(conn, MT_HDRDELETE, name) or
         mt.eom_check(conn, MT_HDRCHANGE, name, "")
end

function T.accepted(reply)
  return reply == SMFIR_ACCEPT or reply == SMFIR_CONTINUE
end

-- True when the milter asked for no change at all.  (miltertest 2.11 cannot
-- ask about recipient changes or an SMTP reply without naming one; the
-- reply itself is checked with T.accepted.)
function T.untouched(conn)
  return not (mt.eom_check(conn, MT_HDRADD) or mt.eom_check(conn, MT_HDRINSERT)
              or mt.eom_check(conn, MT_HDRCHANGE)
              or mt.eom_check(conn, MT_HDRDELETE)
              or mt.eom_check(conn, MT_BODYCHANGE)
              or mt.eom_check(conn, MT_QUARANTINE))
end

return T
