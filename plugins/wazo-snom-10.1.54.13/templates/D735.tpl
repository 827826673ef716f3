{#- Snom D735: twelve identities, 32 programmable keys on pages, expansion modules. -#}
{% extends 'base.tpl' %}
