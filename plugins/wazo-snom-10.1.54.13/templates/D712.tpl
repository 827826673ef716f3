{#- Snom D712: four identities, five programmable keys. -#}
{% extends 'base.tpl' %}
