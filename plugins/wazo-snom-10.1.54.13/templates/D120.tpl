{#- Snom D120: two identities, no programmable keys. -#}
{% extends 'base.tpl' %}
{% block function_keys %}{% endblock %}
