#!/usr/bin/env python3
"""check_arch.py -- the dependency arrows of docs/architecture.md, checked on the source tree.

Fails (exit 1, one line per finding) when
  - a folder includes a header of a folder it must not depend on (the arrows in ALLOWED below,
    read from every #include "..." of the sources), or
  - a source file still holds a merge conflict marker, or
  - two source files depend on each other, directly or round a longer circle: file A depends on
    file B when A's object file uses a symbol that B's defines (nm over the static libraries the
    build made). A module cut into several files keeps its arrows one way too: the dispatcher
    calls the parts, the parts call the helpers below them, never back.
Usage: check_arch.py SOURCE_ROOT [NM STATIC_LIBRARY...]
"""
import os
import re
import subprocess
import sys
from collections import defaultdict

# Which folders each folder may include from (besides itself). Nothing includes agent/ or
# collector/ from outside them; the clients see only proto/ and lib/.
ALLOWED = {
    "lib": {"lib"},
    "proto": {"proto", "lib"},
    "delivery": {"delivery", "proto", "lib"},
    "agent": {"agent", "delivery", "proto", "lib"},
    "collector": {"collector", "delivery", "proto", "lib"},
    "collector/client": {"collector/client", "proto", "lib"},
    "collector/web": {"collector/web", "collector/client", "proto", "lib"},
}
# Headers a folder may include beyond its arrows: the unit desk renders the unit's own reports
# with the client library's renderers, so that a clerk downloads the files massline writes.
ALSO = {
    "agent": {"ml_render.h"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(root):
    for folder in ALLOWED:
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith((".c", ".h")) and os.path.isfile(os.path.join(path, name)):
                yield folder, name


def symbol_edges(nm, libs):
    """object file -> the object files whose symbols it uses, over the given static libraries."""
    defined, used = {}, defaultdict(set)
    line = re.compile(r"^[^:]*:([^:]+\.o):\s*(?:[0-9a-fA-F]+)?\s+([A-Za-z])\s+(\S+)$")
    for lib in libs:
        out = subprocess.run([nm, "-A", lib], capture_output=True, text=True, check=True).stdout
        for text in out.splitlines():
            m = line.match(text)
            if not m:
                continue
            obj, kind, sym = os.path.basename(m.group(1)).replace(".c.o", ".c"), m.group(2), m.group(3)
            if kind == "U":
                used[obj].add(sym)
            elif kind in "TDBR":
                defined[sym] = obj
    edges = defaultdict(set)
    for obj, syms in used.items():
        for sym in syms:
            if sym in defined and defined[sym] != obj:
                edges[obj].add(defined[sym])
    return edges


def main(root, nm=None, libs=()):
    files = list(sources(root))
    where = {}                                  # header name -> folder
    for folder, name in files:
        if name.endswith(".h"):
            where.setdefault(name, folder)

    problems = []
    for folder, name in files:
        text = open(os.path.join(root, folder, name), encoding="utf-8", errors="replace").read()
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======":
                problems.append(f"{folder}/{name}:{number}: a merge conflict marker")
        for inc in INCLUDE.findall(text):
            base = os.path.basename(inc)
            if base not in where:
                continue                        # generated (massline.pb-c.h) or system
            target = where[base]
            if target != folder and target not in ALLOWED[folder] and base not in ALSO.get(folder, ()):
                problems.append(f"{folder}/{name}: includes {target}/{base}, but {folder} may "
                                f"depend only on {', '.join(sorted(ALLOWED[folder]))}")

    edges = symbol_edges(nm, libs) if libs else {}
    # Circles: Tarjan's strongly connected components of the module graph.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in sccs:
        problems.append("files depend on each other in a circle: " + " <-> ".join(comp))

    for line in problems:
        print(line)
    print(f"{len(files)} source files, {len(edges)} object files with arrows, "
          f"{sum(len(e) for e in edges.values())} arrows, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or len(sys.argv) == 3:
        sys.exit("usage: check_arch.py SOURCE_ROOT [NM STATIC_LIBRARY...]")
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None, sys.argv[3:]))
