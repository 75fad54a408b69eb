#!/usr/bin/env python3
"""Folder (namespace) dependencies inside src/Snapconv.Core, and the cycles among them.
   scripts/core-deps.py [--why]   (from the repo root)
A file depends on a folder when it names a type declared there (after `using Snapconv.Core.X;` or as `X.Type`);
comments are ignored. --why lists, per edge, the files and types that make it."""
import os, re, sys
from collections import defaultdict
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "Snapconv.Core")
decl = re.compile(r"\b(?:class|record|struct|interface|enum)\s+([A-Z]\w*)")
ns_re = re.compile(r"^namespace\s+Snapconv\.Core\.?([\w.]*)\s*;", re.M)
def strip(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'@?"(?:[^"\\\n]|\\.)*"', '""', text)
files = {}
for d, _, fs in os.walk(root):
    if "/obj" in d or "/bin" in d: continue
    for f in fs:
        if f.endswith(".cs"):
            p = os.path.join(d, f); t = open(p, encoding="utf-8").read()
            m = ns_re.search(t)
            ns = (m.group(1) if m else "").split(".")[0] or "(root)"
            files[p] = (ns, t, strip(t))
types = defaultdict(set)  # type -> namespaces declaring it
for p, (ns, t, s) in files.items():
    for name in decl.findall(s): types[name].add(ns)
edges = defaultdict(lambda: defaultdict(set))
for p, (ns, t, s) in files.items():
    usings = set(re.findall(r"^using\s+Snapconv\.Core\.(\w+)\s*;", t, re.M))
    for tok in set(re.findall(r"\b([A-Z]\w*)\b", s)):
        for other in types.get(tok, ()):
            if other == ns or ns in types and False: continue
            if other in usings or re.search(r"\b" + other + r"\." + tok + r"\b", s):
                edges[ns][other].add((os.path.relpath(p, root), tok))
why = "--why" in sys.argv
for a in sorted(edges):
    print(f"{a} -> {', '.join(sorted(edges[a]))}")
    if why:
        for b in sorted(edges[a]):
            for f, tok in sorted(edges[a][b]): print(f"    {b}: {f} uses {tok}")
# cycles: strongly connected components of more than one folder
idx, low, st, on, out, n = {}, {}, [], set(), [], [0]
def scc(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, {}):
        if w not in idx: scc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: out.append(sorted(comp))
for v in list(edges): 
    if v not in idx: scc(v)
pairs = sorted((a, b) for a in edges for b in edges[a] if a in edges.get(b, {}) and a < b)
print("two-way pairs:", ", ".join(f"{a}<->{b}" for a, b in pairs) or "none")
print("cycles:", "; ".join(" / ".join(c) for c in out) or "none")
sys.exit(1 if out else 0)
