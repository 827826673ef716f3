"""wazo-provd's per-device cost, in isolation: render each device's template
with Jinja2 (one Environment per plugin, FileSystemLoader over var/templates
then templates, as wazo-provd sets it up) and write the file atomically
(`<file>.tmp` + rename, as its TemplatePluginHelper.dump does).

Input: JSON lines {"plugin_dir", "template", "out", "ctx"} written by
`provd-bench`. Loading the input is not timed. Prints one JSON line:
{"files": n, "seconds": s}."""
import json
import os
import sys
import time

import jinja2

src, outdir = sys.argv[1], sys.argv[2]
with open(src) as f:
    jobs = [json.loads(line) for line in f]

envs = {}
start = time.perf_counter()
for job in jobs:
    env = envs.get(job["plugin_dir"])
    if env is None:
        d = job["plugin_dir"]
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([os.path.join(d, "var/templates"), os.path.join(d, "templates")])
        )
        envs[d] = env
    text = env.get_template(job["template"]).render(job["ctx"])
    path = os.path.join(outdir, job["out"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", errors="replace") as f:
        f.write(text)
    os.rename(tmp, path)
elapsed = time.perf_counter() - start
print(json.dumps({"files": len(jobs), "seconds": elapsed}))
