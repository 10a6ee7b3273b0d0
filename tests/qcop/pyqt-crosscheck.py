#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Cross-check our QDataStream v12 codec against a real Qt (PyQt5, QDataStream.Qt_4_6).

Usage: pyqt-crosscheck.py PATH/TO/ds-vectors

For every case, both directions:
  1. our writer (ds-vectors `enc`) must produce exactly the bytes Qt writes for the value;
  2. Qt must read our bytes back to the expected value, consuming all of them, status Ok;
  3. our reader (ds-vectors `dec`) must read Qt's bytes to the same (normalised) value.
Extra one-way cases cover what only one side can express (Qt's isNull variants, bytes Qt
rejects). Exit 0 if everything agrees, 1 on any disagreement, 2 if PyQt5 is missing.
"""

import math
import subprocess
import sys

try:
    from PyQt5 import sip
    from PyQt5.QtCore import QByteArray, QDataStream, QIODevice, QVariant
except ImportError as exc:  # never skip silently: the cross-check is part of the gate
    sys.stderr.write(
        "pyqt-crosscheck: PyQt5 is not importable by %s (%s).\n"
        "Install Debian's python3-pyqt5 (ci/install-deps.sh does) and run with /usr/bin/python3.\n"
        % (sys.executable, exc))
    sys.exit(2)

QT_VERSION = QDataStream.Qt_4_6


def qt_write(fn):
    ba = QByteArray()
    s = QDataStream(ba, QIODevice.WriteOnly)
    s.setVersion(QT_VERSION)
    fn(s)
    return bytes(ba).hex()


def qt_read(hexstr, fn):
    ba = QByteArray(bytes.fromhex(hexstr))
    s = QDataStream(ba)
    s.setVersion(QT_VERSION)
    value = fn(s)
    return value, s.status() == QDataStream.Ok and s.atEnd()


def typed(value, qtype):
    v = QVariant(value)
    if not v.convert(qtype):
        raise RuntimeError("cannot convert %r to QVariant type %d" % (value, qtype))
    return v


def read_qbytearray(s):
    ba = QByteArray()
    s >> ba
    return None if ba.isNull() else bytes(ba)


def read_variant_raw(s):
    """Read a QVariant without PyQt's conversion: (type id, python value)."""
    sip.enableautoconversion(QVariant, False)
    try:
        v = s.readQVariant()
    finally:
        sip.enableautoconversion(QVariant, True)
    return (int(v.type()), unwrap(v.value()))


def unwrap(value):
    if isinstance(value, QByteArray):
        return bytes(value)
    if isinstance(value, list):
        return [unwrap(x) for x in value]
    if isinstance(value, dict):
        return {k: unwrap(x) for k, x in value.items()}
    return value


# (name, kind, GVariant text, Qt writer, Qt reader, expected value read by Qt)
def scalar(kind, text, wname, rname, value):
    return (kind + ":" + text, kind, text,
            lambda s: getattr(s, wname)(value), lambda s: getattr(s, rname)(), value)


CASES = [
    scalar("int8", "0", "writeInt8", "readInt8", 0),
    scalar("int8", "-128", "writeInt8", "readInt8", -128),
    scalar("int8", "127", "writeInt8", "readInt8", 127),
    scalar("int16", "-2", "writeInt16", "readInt16", -2),
    scalar("int16", "32767", "writeInt16", "readInt16", 32767),
    scalar("int32", "5", "writeInt32", "readInt32", 5),
    scalar("int32", "-2147483648", "writeInt32", "readInt32", -2147483648),
    scalar("int64", "-1", "writeInt64", "readInt64", -1),
    scalar("int64", "9223372036854775807", "writeInt64", "readInt64", 9223372036854775807),
    scalar("uint8", "255", "writeUInt8", "readUInt8", 255),
    scalar("uint16", "65535", "writeUInt16", "readUInt16", 65535),
    scalar("uint32", "4294967295", "writeUInt32", "readUInt32", 4294967295),
    scalar("uint64", "18446744073709551615", "writeUInt64", "readUInt64",
           18446744073709551615),
    scalar("bool", "true", "writeBool", "readBool", True),
    scalar("bool", "false", "writeBool", "readBool", False),
    scalar("double", "1.5", "writeDouble", "readDouble", 1.5),
    scalar("double", "-0.1", "writeDouble", "readDouble", -0.1),
    scalar("double", "1e300", "writeDouble", "readDouble", 1e300),
    scalar("float", "1.5", "writeFloat", "readFloat", 1.5),
    scalar("float", "-3.25", "writeFloat", "readFloat", -3.25),
    scalar("string", "just 'ab'", "writeQString", "readQString", "ab"),
    scalar("string", "just ''", "writeQString", "readQString", ""),
    ("string:null", "string", "nothing",
     lambda s: s.writeQString(None), lambda s: s.readQString(), ""),
    scalar("string", "just 'h\u00e9llo \u20ac'", "writeQString", "readQString",
           "h\u00e9llo \u20ac"),
    scalar("string", "just 'g-clef \U0001d11e'", "writeQString", "readQString",
           "g-clef \U0001d11e"),
    scalar("string", "just 'switchService(int,int)'", "writeQString", "readQString",
           "switchService(int,int)"),
    ("bytes:abc", "bytes", "just [byte 0x61, 0x62, 0x63]",
     lambda s: s << QByteArray(b"abc"), read_qbytearray, b"abc"),
    ("bytes:empty", "bytes", "just @ay []",
     lambda s: s << QByteArray(b""), read_qbytearray, b""),
    ("bytes:null", "bytes", "nothing",
     lambda s: s << QByteArray(), read_qbytearray, None),
    ("bytes:binary", "bytes", "just [byte 0x00, 0xff, 0x80, 0x0a]",
     lambda s: s << QByteArray(b"\x00\xff\x80\n"), read_qbytearray, b"\x00\xff\x80\n"),
    scalar("stringlist", "['a', '', 'QPE/ServiceSwitch']", "writeQStringList",
           "readQStringList", ["a", "", "QPE/ServiceSwitch"]),
    scalar("stringlist", "@as []", "writeQStringList", "readQStringList", []),
]

VARIANTS = [
    # (GVariant text, QVariant to write, (Qt type id, value) Qt must read)
    ("<true>", typed(True, QVariant.Bool), (QVariant.Bool, True)),
    ("<int32 5>", typed(5, QVariant.Int), (QVariant.Int, 5)),
    ("<int32 -7>", typed(-7, QVariant.Int), (QVariant.Int, -7)),
    ("<uint32 4000000000>", typed(4000000000, QVariant.UInt), (QVariant.UInt, 4000000000)),
    ("<int64 -1099511627776>", typed(-1099511627776, QVariant.LongLong),
     (QVariant.LongLong, -1099511627776)),
    ("<uint64 18446744073709551615>", typed(18446744073709551615, QVariant.ULongLong),
     (QVariant.ULongLong, 18446744073709551615)),
    ("<2.5>", typed(2.5, QVariant.Double), (QVariant.Double, 2.5)),
    ("<'ab'>", QVariant("ab"), (QVariant.String, "ab")),
    ("<''>", QVariant(""), (QVariant.String, "")),
    ("<['x', 'y']>", typed(["x", "y"], QVariant.StringList), (QVariant.StringList, ["x", "y"])),
    ("<[byte 0x72, 0x61, 0x77]>", QVariant(QByteArray(b"raw")), (QVariant.ByteArray, b"raw")),
    ("<@ay []>", QVariant(QByteArray(b"")), (QVariant.ByteArray, b"")),
    ("<[<int32 1>, <'a'>, <[<false>]>]>",
     QVariant([typed(1, QVariant.Int), QVariant("a"), QVariant([typed(False, QVariant.Bool)])]),
     (QVariant.List, [1, "a", [False]])),
    ("<@av []>", QVariant([]), (QVariant.List, [])),
    ("<{'b': <int32 2>, 'a': <int32 1>, 'c': <{'z': <'deep'>}>}>",
     QVariant({"a": typed(1, QVariant.Int), "b": typed(2, QVariant.Int),
               "c": QVariant({"z": QVariant("deep")})}),
     (QVariant.Map, {"a": 1, "b": 2, "c": {"z": "deep"}})),
    ("<{'B': <int32 1>, 'a': <int32 2>, '\u00e9': <int32 3>, 'aa': <int32 4>}>",
     QVariant({"B": typed(1, QVariant.Int), "a": typed(2, QVariant.Int),
               "\u00e9": typed(3, QVariant.Int), "aa": typed(4, QVariant.Int)}),
     (QVariant.Map, {"B": 1, "a": 2, "\u00e9": 3, "aa": 4})),
    ("<@a{sv} {}>", QVariant({}), (QVariant.Map, {})),
]

for i, (text, qv, expect) in enumerate(VARIANTS):
    CASES.append(("variant:%d:%s" % (i, text), "variant", text,
                  (lambda q: lambda s: s.writeQVariant(q))(qv), read_variant_raw, expect))

CASES += [
    ("list:mixed", "list", "[<int32 5>, <'s'>, <[byte 0x01]>]",
     lambda s: s.writeQVariantList([typed(5, QVariant.Int), QVariant("s"),
                                    QVariant(QByteArray(b"\x01"))]),
     lambda s: unwrap(s.readQVariantList()), [5, "s", b"\x01"]),
    ("map:order", "map", "{'k': <uint64 7>, 'a': <int32 1>, 'm': <true>}",
     lambda s: s.writeQVariantMap({"k": typed(7, QVariant.ULongLong), "a": typed(1, QVariant.Int),
                                   "m": typed(True, QVariant.Bool)}),
     lambda s: unwrap(s.readQVariantMap()), {"k": 7, "a": 1, "m": True}),
]

# Qt writes, we read: things our writer never produces.
QT_TO_US = [
    # isNull = 1 variants (QVariant(QVariant::Type)): the flag is ignored, null reads as empty.
    ("variant", lambda s: s.writeQVariant(QVariant(QVariant.String)), "<''>"),
    ("variant", lambda s: s.writeQVariant(QVariant(QVariant.ByteArray)), "<@ay []>"),
    ("variant", lambda s: s.writeQVariant(QVariant(QVariant.Int)), "<0>"),
    # a map Qt writes from a dict with keys out of order: we keep Qt's (descending) order.
    ("map", lambda s: s.writeQVariantMap({"a": typed(1, QVariant.Int), "z": typed(2, QVariant.Int)}),
     "{'z': <2>, 'a': <1>}"),
]

# We must reject what Qt itself rejects or what we define as corrupt.
US_REJECT = [
    ("string", "00000003ffff", "odd QString byte count"),
    ("string", "00000004d8000061", "unpaired high surrogate"),
    ("string", "00000002d800", "high surrogate at the end"),
    ("string", "00000002dc00", "lone low surrogate"),
    ("variant", "0000000700", "QVariant type 7 (Char) unsupported"),
    ("variant", "000000000100000000", "QVariant type 0 (Invalid) unsupported"),
]


class Ours:
    def __init__(self, exe):
        self.proc = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, encoding="utf-8")

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("ds-vectors died on: " + line)
        return answer.rstrip("\n")

    def enc(self, kind, text):
        a = self.ask("enc %s %s" % (kind, text))
        if not a.startswith("OK "):
            raise RuntimeError("enc %s %s: %s" % (kind, text, a))
        _, hexstr, norm = a.split(" ", 2)
        return ("" if hexstr == "-" else hexstr), norm

    def dec(self, kind, hexstr):
        return self.ask("dec %s %s" % (kind, hexstr or "-"))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def check_case(ours, case, failures):
    name, kind, text, writer, reader, expect = case
    our_hex, norm = ours.enc(kind, text)
    qt_hex = qt_write(writer)
    if our_hex != qt_hex:
        failures.append("%s: bytes differ\n  ours %s\n  Qt   %s" % (name, our_hex, qt_hex))
    value, clean = qt_read(our_hex, reader)
    if not clean or not same(value, expect):
        failures.append("%s: Qt read our %s as %r (clean=%s), expected %r"
                        % (name, our_hex, value, clean, expect))
    back = ours.dec(kind, qt_hex)
    if back != "OK " + norm:
        failures.append("%s: we read Qt's %s as '%s', expected 'OK %s'"
                        % (name, qt_hex, back, norm))


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: pyqt-crosscheck.py PATH/TO/ds-vectors\n")
        return 2
    ours = Ours(sys.argv[1])
    failures = []
    checks = 0
    for case in CASES:
        check_case(ours, case, failures)
        checks += 1
    for kind, writer, expect in QT_TO_US:
        qt_hex = qt_write(writer)
        _, norm = ours.enc(kind, expect)
        back = ours.dec(kind, qt_hex)
        checks += 1
        if back != "OK " + norm:
            failures.append("Qt-only %s %s: we read '%s', expected 'OK %s'"
                            % (kind, qt_hex, back, norm))
    for kind, hexstr, why in US_REJECT:
        back = ours.dec(kind, hexstr)
        checks += 1
        if not back.startswith("ERR "):
            failures.append("reject %s %s (%s): we accepted it: %s" % (kind, hexstr, why, back))
    ours.close()
    for f in failures:
        print("FAIL " + f)
    print("pyqt-crosscheck: %d checks against Qt %s (QDataStream version %d), %d failure(s)"
          % (checks, __import__("PyQt5.QtCore").QtCore.QT_VERSION_STR, QT_VERSION, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
