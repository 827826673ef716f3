{#- Snom 820: 16 programmable keys. -#}
{% extends 'base.tpl' %}
