{#- Snom PA1 paging amplifier: one identity, no keys, no display. -#}
{% extends 'base.tpl' %}
{% block directory %}{% endblock %}
{% block function_keys %}{% endblock %}
