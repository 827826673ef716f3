{#- Snom D305: four identities, five programmable keys. -#}
{% extends 'base.tpl' %}
