{#- Snom M300: single-cell base, up to 20 accounts. -#}
{% extends 'base.tpl' %}
