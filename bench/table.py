"""The results (tab-separated: name, value, unit, details, load average) as a Markdown table."""
import sys

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("| measurement | value | unit | details | load average (1/5/15 min) |")
print("|---|---:|---|---|---|")
for r in rows:
    r += [""] * (5 - len(r))
    v = float(r[1])
    value = "–" if r[2] == "not run" else f"{v:,.2f}" if r[2] == "ratio" else f"{v:,.1f}" if v < 100 else f"{v:,.0f}"
    print(f"| {r[0]} | {value} | {r[2]} | {r[3]} | {r[4]} |")
