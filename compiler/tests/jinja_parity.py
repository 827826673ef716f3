"""Renders the parity corpus with Python's Jinja2 the way wazo-provd does:
a plain Environment over var/templates then templates (no autoescape)."""
import json
import os
import sys
import tempfile

import jinja2

cases = json.load(sys.stdin)
results = []
for case in cases:
    with tempfile.TemporaryDirectory() as root:
        for rel, body in case["files"].items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(body)
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(
                [os.path.join(root, "var/templates"), os.path.join(root, "templates")]
            )
        )
        try:
            out = env.get_template(case["entry"]).render(case["ctx"])
            results.append({"out": out})
        except Exception as e:  # the corpus only holds templates that render
            results.append({"error": f"{type(e).__name__}: {e}"})
json.dump(results, sys.stdout)
