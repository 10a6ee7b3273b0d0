#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print the byte vectors quoted in conformance/SPEC.md, computed with a real Qt.

Usage: /usr/bin/python3 conformance/tools/spec-vectors.py

Payloads are written by PyQt5's QDataStream at version Qt_4_6 (= v12, big-endian); the QWS
framing (host byte order, here little-endian x86-64) follows DESIGN.md section 2. Run it after
editing a vector in SPEC.md and compare: every hex string in the SPEC comes from this output.
"""

import struct
import sys

try:
    from PyQt5.QtCore import QByteArray, QDataStream, QIODevice
except ImportError as exc:
    sys.stderr.write("spec-vectors: needs Debian's python3-pyqt5 (%s)\n" % exc)
    sys.exit(2)


def ds(*items):
    ba = QByteArray()
    s = QDataStream(ba, QIODevice.WriteOnly)
    s.setVersion(QDataStream.Qt_4_6)
    for kind, value in items:
        if kind == "i32":
            s.writeInt32(value)
        elif kind == "u32":
            s.writeUInt32(value)
        elif kind == "i64":
            s.writeInt64(value)
        elif kind == "str":
            s.writeQString(value)
        else:
            raise ValueError(kind)
    return bytes(ba)


def hx(b):
    h = b.hex()
    return " ".join(h[i:i + 8] for i in range(0, len(h), 8))


def utf16(s):
    return s.encode("utf-16-le")  # host order on x86-64


def qcop_send(channel, message, data):
    raw = utf16(channel) + utf16(message) + data
    return struct.pack("<iiiii", 21, len(raw), len(channel), len(message), len(data)) + raw


def qcop_message(channel, message, data, is_response=False):
    raw = channel.encode("latin-1") + message.encode("latin-1") + data
    return (struct.pack("<ii", 13, len(raw))
            + struct.pack("<B3xiii", 1 if is_response else 0, len(channel), len(message), len(data))
            + raw)


def register(channel):
    raw = utf16(channel)
    return struct.pack("<iii", 20, len(raw), len(channel)) + raw


def dump(title, b):
    print("%s (%d bytes)" % (title, len(b)))
    for off in range(0, len(b), 16):
        chunk = b[off:off + 16]
        print("  %04x  %-39s  %s" % (off, hx(chunk),
                                      "".join(chr(c) if 32 <= c < 127 else "." for c in chunk)))


DEFAULT = [
    ("CALLER_SHOW_VIDEO_PAGE", 1, 1),
    ("CALLEE_SHOW_VIDEO_PAGE", 1, 2),
    ("BACK_TO_NAV", 2, 1),
    ("STOP_IPTV", 2, 2),
    ("REJECT_CONTINUE_IPTV", 2, 3),
    ("RESUME_IPTV", 2, 4),
]
VENDOR = [
    ("CALLER_SHOW_VIDEO_PAGE", 16, 201),
    ("CALLEE_SHOW_VIDEO_PAGE", 16, 202),
    ("BACK_TO_NAV", 32, 101),
    ("STOP_IPTV", 32, 102),
    ("REJECT_CONTINUE_IPTV", 32, 103),
    ("RESUME_IPTV", 32, 104),
]


def main():
    print("== switchService(int,int) data, default dialect ==")
    for name, t, p in DEFAULT:
        print("%-24s %s" % (name, hx(ds(("i32", t), ("i32", p)))))
    print("== with trailer: sequence 7, context \"call-id=a1\" ==")
    for name, t, p in DEFAULT:
        print("%-24s %s" % (name, hx(ds(("i32", t), ("i32", p), ("u32", 7), ("str", "call-id=a1")))))
    print("== trailer with null / empty context, STOP_IPTV, sequence 1 ==")
    ba = QByteArray()
    s = QDataStream(ba, QIODevice.WriteOnly)
    s.setVersion(QDataStream.Qt_4_6)
    s.writeInt32(2); s.writeInt32(2); s.writeUInt32(1); s.writeQString(None)
    print("%-24s %s" % ("null context", hx(bytes(ba))))
    print("%-24s %s" % ("empty context", hx(ds(("i32", 2), ("i32", 2), ("u32", 1), ("str", "")))))
    print("== vendor-example dialect ==")
    for name, t, p in VENDOR:
        print("%-24s %s" % (name, hx(ds(("i32", t), ("i32", p)))))
    print("== agent ==")
    print("%-24s %s" % ("key(\"ok\")", hx(ds(("str", "ok")))))
    print("%-24s %s" % ("select(\"live:2\")", hx(ds(("str", "live:2")))))
    print("%-24s %s" % ("injectCall(\"sip:1001@ims.test\")", hx(ds(("str", "sip:1001@ims.test")))))
    print("%-24s %s" % ("injectReject(486)", hx(ds(("i32", 486)))))
    ev = ds(("i64", 1234567890123), ("str", "iptv"), ("str", "iptv.page"), ("str", "page=hidden"))
    print("%-24s %s" % ("event(...)", hx(ev)))
    print()
    stop = ds(("i32", 2), ("i32", 2))
    dump("QCopRegisterChannel QPE/ServiceSwitch/ToIPTV", register("QPE/ServiceSwitch/ToIPTV"))
    dump("QCopSend STOP_IPTV on QPE/ServiceSwitch/ToIPTV",
         qcop_send("QPE/ServiceSwitch/ToIPTV", "switchService(int,int)", stop))
    dump("QCopMessage STOP_IPTV delivered on QPE/ServiceSwitch/ToIPTV",
         qcop_message("QPE/ServiceSwitch/ToIPTV", "switchService(int,int)", stop))
    # read back with Qt to be sure the payloads decode
    for name, t, p in DEFAULT:
        b = ds(("i32", t), ("i32", p), ("u32", 7), ("str", "call-id=a1"))
        s = QDataStream(QByteArray(b))
        s.setVersion(QDataStream.Qt_4_6)
        rt, rp, rs, rc = s.readInt32(), s.readInt32(), s.readUInt32(), s.readQString()
        assert (rt, rp, rs, rc) == (t, p, 7, "call-id=a1") and s.atEnd(), name
    return 0


if __name__ == "__main__":
    sys.exit(main())
