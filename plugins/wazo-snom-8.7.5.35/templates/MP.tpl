{#- Snom MeetingPoint conference phone: no programmable keys, no directory key. -#}
{% extends 'base.tpl' %}
{% block directory %}{% endblock %}
{% block function_keys %}{% endblock %}
