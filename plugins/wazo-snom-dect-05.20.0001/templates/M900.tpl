{#- Snom M900: multi-cell base. -#}
{% extends 'base.tpl' %}
