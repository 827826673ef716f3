{#- Snom M700: multi-cell base. -#}
{% extends 'base.tpl' %}
