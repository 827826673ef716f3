"""Renders bundled plugin templates with Python's Jinja2, as wazo-provd
would: input JSON [{"plugin_dir", "template", "ctx"}], output JSON list of
rendered texts."""
import json
import os
import sys

import jinja2

envs = {}
out = []
for job in json.load(sys.stdin):
    d = job["plugin_dir"]
    if d not in envs:
        envs[d] = jinja2.Environment(
            loader=jinja2.FileSystemLoader([os.path.join(d, "var/templates"), os.path.join(d, "templates")])
        )
    out.append(envs[d].get_template(job["template"]).render(job["ctx"]))
json.dump(out, sys.stdout)
