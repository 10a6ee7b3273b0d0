#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""No file-level call circles: the modules of a directory (x.c + x.h as one node, an edge for
every #include "y.h" of a module y in the same directory) must form a DAG. Prints each
strongly connected component with the edges inside it and exits 1 if there is one.

usage: check-include-cycles.py DIR..."""
import glob
import os
import re
import sys


def modules(d):
    mods = {}
    for f in glob.glob(os.path.join(d, "*.[ch]")):
        m = os.path.basename(f)[:-2]
        with open(f, encoding="utf-8", errors="replace") as fh:
            deps = set(re.findall(r'^\s*#\s*include\s+"([A-Za-z0-9_-]+)\.h"', fh.read(), re.M))
        mods.setdefault(m, set()).update(
            x for x in deps if x != m and os.path.exists(os.path.join(d, x + ".h")))
    return mods


def cycles(mods):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        # iterative Tarjan: no recursion limit on large directories
        work = [(v, iter(sorted(mods.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(mods.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))

    for v in sorted(mods):
        if v not in index:
            visit(v)
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 4
    bad = 0
    for d in argv[1:]:
        mods = modules(d)
        if not mods:
            print(f"{d}: no C modules found", file=sys.stderr)
            return 4
        for comp in cycles(mods):
            bad += 1
            print(f"{d}: include circle: {' <-> '.join(comp)}")
            for m in comp:
                print(f"  {m}.c/.h includes {', '.join(sorted(mods[m] & set(comp)))}")
        print(f"{d}: {len(mods)} modules, {bad} circle(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
