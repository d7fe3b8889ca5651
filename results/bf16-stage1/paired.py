# Paired comparison of two `kitseg evaluate` scores.json files of the same cases (fp32 first, bf16 second):
# per table (raw, postprocessed) and class, both means, the mean per-case difference with its standard
# error, the median difference, and how many cases differ by more than 0.05.
#   python3 results/bf16-stage1/paired.py A/scores.json B/scores.json
import json, sys, statistics as st, math
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
for ta, tb in zip(a['tables'], b['tables']):
    ca = {c['id']: c for c in ta['cases']}; cb = {c['id']: c for c in tb['cases']}
    ids = sorted(ca)
    assert ids == sorted(cb)
    for k in ('kidney', 'tumor', 'composite'):
        va = [ca[i][k]['dice'] if k != 'composite' else ca[i][k] for i in ids]
        vb = [cb[i][k]['dice'] if k != 'composite' else cb[i][k] for i in ids]
        d = [y - x for x, y in zip(va, vb)]
        se = st.stdev(d) / math.sqrt(len(d))
        print(f"{ta['name']:14s} {k:9s} fp32 {st.mean(va):.4f} bf16 {st.mean(vb):.4f}  diff {st.mean(d):+.4f} (se {se:.4f}, median {st.median(d):+.4f}, |d|>0.05 in {sum(abs(x)>0.05 for x in d)} cases)")
