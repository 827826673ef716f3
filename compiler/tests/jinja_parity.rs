//! Jinja2 parity: the same templates and contexts rendered by our
//! environment and by Python's Jinja2 3.1 (as wazo-provd renders them) must
//! give the same bytes. Needs `python3` with `jinja2` (scripts/test installs it).

mod common;

use provd_compiler::render::templates::Templates;
use serde_json::{Value, json};

fn case(name: &str, template: &str, ctx: Value) -> Value {
    json!({"name": name, "files": {"templates/t.tpl": template}, "entry": "t.tpl", "ctx": ctx})
}

fn corpus() -> Vec<Value> {
    let lines = json!({"1": {"username": "alice", "display_name": "Alice & Bob <Sales>", "number": "1001"},
                       "2": {"username": "bob", "number": 1002}});
    let mut c = vec![
        case("variables", "{{ a }}|{{ b }}|{{ c }}|{{ d }}", json!({"a": "x", "b": 3, "c": 2.5, "d": true})),
        case(
            "none_true_false",
            "{{ n }} {{ t }} {{ f }} {{ None }} {{ True }}",
            json!({"n": null, "t": true, "f": false}),
        ),
        case("undefined_is_empty", "[{{ missing }}][{{ missing|d('dflt') }}][{{ missing|default('x') }}]", json!({})),
        case(
            "default_on_null_and_empty",
            "[{{ n|d('x') }}][{{ e|d('x') }}][{{ e|d('x', true) }}]",
            json!({"n": null, "e": ""}),
        ),
        case("arithmetic", "{{ 7/2 }} {{ 7//2 }} {{ 7%3 }} {{ 2**10 }} {{ -7//2 }} {{ 1.0 + 1 }}", json!({})),
        case("no_autoescape_xml_chars", "{{ s }}", json!({"s": "Tom & Jerry <Sales> \"q\""})),
        case("escape_filter", "{{ s|e }}", json!({"s": "a<b>&\"c'"})),
        case(
            "items_in_insertion_order",
            "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
            json!({"d": {"zeta": 1, "alpha": 2, "mid": 3}}),
        ),
        case("items_filter", "{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}", json!({"d": {"b": 1, "a": 2}})),
        case(
            "loop_vars",
            "{% for x in l %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.length }}/{{ loop.first }}/{{ loop.last }}/{{ loop.revindex }}/{{ loop.cycle('a','b') }} {% endfor %}",
            json!({"l": ["x", "y", "z"]}),
        ),
        case("loop_else", "{% for x in l %}{{ x }}{% else %}empty{% endfor %}", json!({"l": []})),
        case(
            "is_defined",
            "{% if a is defined %}A{% endif %}{% if b is not defined %}B{% endif %}{% if n is none %}N{% endif %}",
            json!({"a": 1, "n": null}),
        ),
        case("in_operator", "{{ 'x' in l }} {{ 'k' in d }} {{ 'ell' in 'hello' }}", json!({"l": ["x"], "d": {"k": 1}})),
        case(
            "string_methods",
            "{{ s.upper() }} {{ s.lower() }} {{ s.startswith('He') }} {{ s.endswith('x') }} {{ s.split(' ') }} {{ s.replace('l', 'L') }} {{ '  t  '.strip() }}",
            json!({"s": "Hello World"}),
        ),
        case(
            "string_filters",
            "{{ s|upper }} {{ s|lower }} {{ s|replace('o', '0') }} {{ s|title }} {{ s|capitalize }} {{ s|length }} {{ '  x '|trim }}",
            json!({"s": "hello world"}),
        ),
        case(
            "int_and_conversions",
            "{{ '42'|int }} {{ 'x'|int }} {{ 3.9|int }} {{ 5|string }} {{ '3'|int + 1 }} {{ 2|float }}",
            json!({}),
        ),
        case(
            "join_sort_first_last",
            "{{ l|join(',') }} {{ l|sort|join }} {{ l|first }} {{ l|last }} {{ l|length }} {{ l|reverse|join }}",
            json!({"l": ["b", "c", "a"]}),
        ),
        case(
            "dictsort",
            "{% for k, v in d|dictsort %}{{ k }}{{ v }}{% endfor %}",
            json!({"d": {"b": 2, "a": 1, "c": 3}}),
        ),
        case("list_and_dict_repr", "{{ l }} {{ d }} {{ [1, 'a', None, True] }}", json!({"l": [1, 2], "d": {"a": 1}})),
        case(
            "set_scoping_in_loop",
            "{% set x = 1 %}{% for i in [1,2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}",
            json!({}),
        ),
        case(
            "namespace",
            "{% set ns = namespace(n=0) %}{% for i in [1,2,3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}",
            json!({}),
        ),
        case(
            "whitespace_control",
            "a\n{%- if true %}\n  b\n{%- endif %}\nc\n{% for i in [1,2] -%}\n{{ i }}\n{%- endfor %}\n",
            json!({}),
        ),
        case("trailing_newline_dropped", "line\n", json!({})),
        case("concat_and_format", "{{ 'a' ~ 1 ~ none_v }} {{ '%s-%d'|format('x', 3) }}", json!({"none_v": null})),
        case(
            "nested_access",
            "{{ sip_lines['1'].username }} {{ sip_lines['2']['number'] }} {{ sip_lines.get('3', 'no') }}",
            json!({"sip_lines": lines}),
        ),
        case(
            "conditionals",
            "{% if a > 1 and not b or c %}yes{% elif a %}elif{% else %}no{% endif %} {{ 'x' if a else 'y' }}",
            json!({"a": 2, "b": false, "c": false}),
        ),
        case(
            "comparisons_mixed",
            "{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1] == [1] }} {{ n == None }}",
            json!({"n": null}),
        ),
        case(
            "macros",
            "{% macro key(n, v='d') %}k{{ n }}={{ v }}{% endmacro %}{{ key(1) }} {{ key(2, 'x') }}",
            json!({}),
        ),
        case(
            "call_block_caller",
            "{% macro w() %}[{{ caller() }}]{% endmacro %}{% call w() %}in{% endcall %}",
            json!({}),
        ),
        case("filter_block", "{% filter upper %}abc{% endfilter %}", json!({})),
        case("raw_block", "{% raw %}{{ x }}{% endraw %}", json!({})),
        case(
            "range_and_slicing",
            "{% for i in range(1, 4) %}{{ i }}{% endfor %} {{ 'abcdef'[1:3] }} {{ l[-1] }} {{ l[:2] }}",
            json!({"l": [1, 2, 3]}),
        ),
        case(
            "selectattr_map",
            "{{ users|selectattr('on')|map(attribute='n')|join(',') }}",
            json!({"users": [{"n": "a", "on": true}, {"n": "b", "on": false}, {"n": "c", "on": true}]}),
        ),
        case("unicode", "{{ s }} {{ s|upper }} {{ s|length }}", json!({"s": "Français été"})),
        case("round_abs", "{{ 2.567|round(1) }} {{ -3|abs }} {{ 2.5|round }}", json!({})),
        case("batch_and_sum", "{{ [1,2,3]|sum }} {% for b in [1,2,3,4,5]|batch(2) %}{{ b }}{% endfor %}", json!({})),
        case(
            "tests",
            "{{ 3 is odd }} {{ 4 is even }} {{ 'a' is string }} {{ 1 is number }} {{ l is iterable }} {{ 6 is divisibleby 3 }}",
            json!({"l": []}),
        ),
        case("loop_over_dict_keys", "{% for k in d %}{{ k }}{% endfor %}", json!({"d": {"z": 1, "a": 2}})),
        case("comments", "a{# hidden #}b{#- trimmed -#} c", json!({})),
    ];
    c.push(json!({
        "name": "extends_super_include_custom_first",
        "files": {
            "templates/base.tpl": "head\n{% block body %}base body{% endblock %}\n{% include 'footer.inc' %}",
            "templates/footer.inc": "shipped footer",
            "var/templates/footer.inc": "custom footer {{ x }}",
            "templates/model.tpl": "{% extends 'base.tpl' %}{% block body %}{{ super() }} + model{% endblock %}",
        },
        "entry": "model.tpl",
        "ctx": {"x": 1}
    }));
    c.push(json!({
        "name": "text_outside_blocks_in_child_is_ignored",
        "files": {
            "templates/base.tpl": "[{% block a %}{% endblock %}]",
            "templates/child.tpl": "{% extends 'base.tpl' %}ignored text{% block a %}A{% endblock %}",
        },
        "entry": "child.tpl",
        "ctx": {}
    }));
    c.push(json!({
        "name": "import_macros",
        "files": {
            "templates/m.inc": "{% macro hi(n) %}hi {{ n }}{% endmacro %}",
            "templates/t.tpl": "{% import 'm.inc' as m %}{{ m.hi('x') }} {% from 'm.inc' import hi %}{{ hi('y') }}",
        },
        "entry": "t.tpl",
        "ctx": {}
    }));
    c
}

fn python_render(corpus: &[Value]) -> Vec<Value> {
    serde_json::from_value(common::python("jinja_parity.py", &Value::Array(corpus.to_vec()))).unwrap()
}

fn our_render(case: &Value) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    for (rel, body) in case["files"].as_object().unwrap() {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body.as_str().unwrap()).unwrap();
    }
    let t = Templates::from_dirs(dir.path().join("var/templates"), dir.path().join("templates"));
    let ctx = provd_compiler::render::context::context(case["ctx"].as_object().unwrap().clone());
    t.render(case["entry"].as_str().unwrap(), &ctx).map_err(|e| e.to_string())
}

#[test]
fn minijinja_renders_what_jinja2_renders() {
    let corpus = corpus();
    let expected = python_render(&corpus);
    let mut diffs = Vec::new();
    for (case, want) in corpus.iter().zip(&expected) {
        let name = case["name"].as_str().unwrap();
        let want = want["out"].as_str().unwrap_or_else(|| panic!("{name}: Jinja2 failed: {}", want["error"]));
        match our_render(case) {
            Ok(got) if got == want => {}
            Ok(got) => diffs.push(format!("{name}:\n  jinja2:    {want:?}\n  minijinja: {got:?}")),
            Err(e) => diffs.push(format!("{name}: minijinja error {e}")),
        }
    }
    assert!(diffs.is_empty(), "{} of {} cases differ:\n{}", diffs.len(), corpus.len(), diffs.join("\n"));
}
