{#- Snom D315: four identities, five programmable keys, expansion modules. -#}
{% extends 'base.tpl' %}
