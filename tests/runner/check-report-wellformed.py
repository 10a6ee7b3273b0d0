#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check that report.html and results.json of one run directory parse strictly.

Usage: check-report-wellformed.py RUN_DIR
Both files must be valid UTF-8. results.json must parse as JSON. report.html must parse
with html.parser and hold no character XML 1.0 forbids (C0 controls but tab/LF/CR,
U+FFFE/U+FFFF), no C1 control or DEL, neither raw nor as a character reference.
Prints what is wrong and exits 1; exits 0 when both files are fine.
"""
import html.parser
import json
import os
import sys


def bad_char(cp):
    if cp < 0x20:
        return cp not in (0x9, 0xA, 0xD)
    return 0x7F <= cp <= 0x9F or cp in (0xFFFE, 0xFFFF) or 0xD800 <= cp <= 0xDFFF


class Strict(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.errors = []

    def handle_charref(self, name):
        cp = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
        if bad_char(cp):
            self.errors.append("character reference &#%s;" % name)


def text_of(path):
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")  # raises on invalid UTF-8
    for i, ch in enumerate(text):
        if bad_char(ord(ch)):
            raise ValueError("%s: character U+%04X at offset %d" % (path, ord(ch), i))
    return text


def main():
    run_dir = sys.argv[1]
    errors = []
    try:
        json.loads(text_of(os.path.join(run_dir, "results.json")))
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        errors.append("results.json: %s" % e)
    try:
        parser = Strict()
        parser.feed(text_of(os.path.join(run_dir, "report.html")))
        parser.close()
        errors += ["report.html: %s" % e for e in parser.errors]
    except Exception as e:  # noqa: BLE001
        errors.append("report.html: %s" % e)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
