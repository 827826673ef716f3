{#- Snom D375: twelve identities, twelve programmable keys, expansion modules. -#}
{% extends 'base.tpl' %}
