-- SPDX-License-Identifier: MIT
-- Wireshark dissector for stbsim's QCOP capture packets (QWS/QCOP over LINKTYPE_USER0).
--
--   wireshark -X lua_script:tools/wireshark/qcop.lua reports/<run>/tests/<id>/capture.pcapng
--   tshark -X lua_script:tools/wireshark/qcop.lua -r capture.pcapng -Y qcop.switch
--
-- Packets come from sim/qcop/qcop-trace-pcap.c (qcop-trace2pcap, the runner's per-test
-- capture): one per QWS command (client -> server) or event (server -> client) of stb-qcopd's
-- trace. Layout (big-endian header, then the QWS item in host order = little-endian):
--   u8 version | u8 kind (1 cmd, 2 event) | u8 payload (1 QWS item, 2 JSON trace record)
--   u8 app_len | u32 client id | u32 pid | app name | payload
-- QWS framing (sim/qcop/qcop-wire.h): int32 type | int32 rawLen | fixed struct | raw part.
-- The switching message switchService(int,int) carries a QDataStream (big-endian) of
-- (message type, parameter), decoded with the default dialect's values
-- (fixtures/dialects/default.ini, conformance/SPEC.md section 3).

local qcop = Proto("qcop", "stbsim QCOP (QWS) trace")

local kinds = { [1] = "command", [2] = "event" }
local payloads = { [1] = "QWS item", [2] = "trace record (JSON)" }
local commands = { [1] = "Create", [2] = "Shutdown", [20] = "QCopRegisterChannel",
                   [21] = "QCopSend", [23] = "Identify" }
local events = { [1] = "Connected", [6] = "Creation", [12] = "MaxWindowRect",
                 [13] = "QCopMessage" }
-- default dialect (fixtures/dialects/default.ini)
local switch_message = "switchService(int,int)"
local switch_types = { [1] = "IPTV_TO_VOIP", [2] = "VOIP_TO_IPTV" }
local switch_params = {
  [1] = { [1] = "CALLER_SHOW_VIDEO_PAGE", [2] = "CALLEE_SHOW_VIDEO_PAGE" },
  [2] = { [1] = "BACK_TO_NAV", [2] = "STOP_IPTV", [3] = "REJECT_CONTINUE_IPTV",
          [4] = "RESUME_IPTV" },
}

local f = {
  version = ProtoField.uint8("qcop.version", "Version"),
  kind = ProtoField.uint8("qcop.kind", "Kind", base.DEC, kinds),
  payload = ProtoField.uint8("qcop.payload", "Payload", base.DEC, payloads),
  client = ProtoField.uint32("qcop.client", "Client id"),
  pid = ProtoField.uint32("qcop.pid", "Client pid"),
  app = ProtoField.string("qcop.app", "Client app"),
  json = ProtoField.string("qcop.json", "Trace record"),
  qws_type = ProtoField.int32("qcop.qws.type", "QWS type"),
  qws_name = ProtoField.string("qcop.qws.name", "QWS item"),
  qws_rawlen = ProtoField.int32("qcop.qws.rawlen", "Raw length"),
  count = ProtoField.int32("qcop.count", "Count"),
  is_response = ProtoField.bool("qcop.is_response", "Is response"),
  channel = ProtoField.string("qcop.channel", "Channel"),
  message = ProtoField.string("qcop.message", "Message"),
  data = ProtoField.bytes("qcop.data", "Data"),
  switch = ProtoField.string("qcop.switch", "Switch message"),
  switch_type = ProtoField.int32("qcop.switch.type", "Message type", base.DEC, switch_types),
  switch_type_name = ProtoField.string("qcop.switch.type_name", "Message type name"),
  switch_param = ProtoField.int32("qcop.switch.param", "Parameter"),
  switch_param_name = ProtoField.string("qcop.switch.param_name", "Parameter name"),
}
qcop.fields = f

local e_malformed = ProtoExpert.new("qcop.malformed", "Malformed QWS item",
                                    expert.group.MALFORMED, expert.severity.ERROR)
qcop.experts = { e_malformed }

-- QDataStream (int32 type, int32 param) of switchService(int,int)
local function dissect_switch(data, tree)
  if data:len() ~= 8 then return nil end
  local t, p = data:range(0, 4):int(), data:range(4, 4):int()
  local tname = switch_types[t] or ("type " .. t)
  local pname = (switch_params[t] or {})[p] or ("param " .. p)
  local text = tname .. ", " .. pname
  local st = tree:add(f.switch, data, text)
  st:add(f.switch_type, data:range(0, 4))
  st:add(f.switch_type_name, data:range(0, 4), tname)
  st:add(f.switch_param, data:range(4, 4))
  st:add(f.switch_param_name, data:range(4, 4), pname)
  return text
end

-- channel, message, data of a QCopSend (UTF-16LE strings) or QCopMessage (Latin-1)
local function add_strings(tvb, tree, off, lc, lm, ld, utf16)
  local w = utf16 and 2 or 1
  local rc, rm = tvb:range(off, lc * w), tvb:range(off + lc * w, lm * w)
  local channel = lc == 0 and "" or (utf16 and rc:le_ustring() or rc:string(ENC_ISO_8859_1))
  local message = lm == 0 and "" or (utf16 and rm:le_ustring() or rm:string(ENC_ISO_8859_1))
  tree:add(f.channel, lc == 0 and tvb:range(off, 0) or rc, channel)
  tree:add(f.message, lm == 0 and tvb:range(off, 0) or rm, message)
  local summary = channel .. " " .. message
  if ld > 0 then
    local data = tvb:range(off + (lc + lm) * w, ld)
    tree:add(f.data, data)
    if message == switch_message then
      local s = dissect_switch(data, tree)
      if s then summary = channel .. " switchService(" .. s .. ")" end
    end
  end
  return summary
end

local function dissect_qws(tvb, pinfo, tree, kind)
  if tvb:len() < 8 then
    tree:add_proto_expert_info(e_malformed, "shorter than the QWS header")
    return "?"
  end
  local typ, rawlen = tvb:range(0, 4):le_int(), tvb:range(4, 4):le_int()
  local name = (kind == 1 and commands or events)[typ] or ("type " .. typ)
  local qt = tree:add(qcop, tvb:range(0), "QWS " .. (kind == 1 and "command " or "event ") .. name)
  qt:add_le(f.qws_type, tvb:range(0, 4))
  qt:add(f.qws_name, tvb:range(0, 4), name)
  qt:add_le(f.qws_rawlen, tvb:range(4, 4))
  local ok, summary = pcall(function()
    if kind == 1 and typ == 21 then
      local lc, lm, ld = tvb:range(8, 4):le_int(), tvb:range(12, 4):le_int(), tvb:range(16, 4):le_int()
      return add_strings(tvb, qt, 20, lc, lm, ld, true)
    elseif kind == 1 and typ == 20 then
      local lc = tvb:range(8, 4):le_int()
      local ch = lc == 0 and "" or tvb:range(12, lc * 2):le_ustring()
      qt:add(f.channel, tvb:range(12, lc * 2), ch)
      return ch
    elseif kind == 1 and typ == 1 then
      qt:add_le(f.count, tvb:range(8, 4))
      return "count " .. tvb:range(8, 4):le_int()
    elseif kind == 2 and typ == 13 then
      qt:add(f.is_response, tvb:range(8, 1))
      local lc, lm, ld = tvb:range(12, 4):le_int(), tvb:range(16, 4):le_int(), tvb:range(20, 4):le_int()
      return add_strings(tvb, qt, 24, lc, lm, ld, false)
    end
    return ""
  end)
  if not ok then
    qt:add_proto_expert_info(e_malformed, tostring(summary))
    return name .. " [malformed]"
  end
  return name .. (summary ~= "" and (" " .. summary) or "")
end

function qcop.dissector(tvb, pinfo, tree)
  if tvb:len() < 12 then return 0 end
  pinfo.cols.protocol = "QCOP"
  local t = tree:add(qcop, tvb:range(0), "stbsim QCOP trace")
  local kind, payload, app_len = tvb:range(1, 1):uint(), tvb:range(2, 1):uint(), tvb:range(3, 1):uint()
  t:add(f.version, tvb:range(0, 1))
  t:add(f.kind, tvb:range(1, 1))
  t:add(f.payload, tvb:range(2, 1))
  t:add(f.client, tvb:range(4, 4))
  t:add(f.pid, tvb:range(8, 4))
  local app = app_len > 0 and tvb:range(12, app_len):string() or ""
  if app_len > 0 then t:add(f.app, tvb:range(12, app_len)) end
  local off = 12 + app_len
  local who = (app ~= "" and app or "client") .. "[" .. tvb:range(4, 4):uint() .. "]"
  pinfo.cols.src = kind == 1 and who or "qcop-server"
  pinfo.cols.dst = kind == 1 and "qcop-server" or who
  local info
  if payload == 2 then
    local text = tvb:range(off):string()
    t:add(f.json, tvb:range(off), text)
    info = (text:match('"type":"([^"]*)"') or "record") .. " (trace record)"
  else
    info = dissect_qws(tvb:range(off):tvb(), pinfo, t, kind)
  end
  pinfo.cols.info = info
  return tvb:len()
end

-- LINKTYPE_USER0 (147) = WTAP_ENCAP_USER0
local encap = (wtap_encaps and wtap_encaps.USER0) or wtap.USER0
DissectorTable.get("wtap_encap"):add(encap, qcop)
