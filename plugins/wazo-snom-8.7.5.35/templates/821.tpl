{#- Snom 821: twelve programmable keys. -#}
{% extends 'base.tpl' %}
