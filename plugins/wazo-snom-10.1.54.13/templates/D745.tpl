{#- Snom D745: twelve identities, 32 programmable keys, expansion modules. -#}
{% extends 'base.tpl' %}
