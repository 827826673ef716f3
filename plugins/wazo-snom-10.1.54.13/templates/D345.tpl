{#- Snom D345: twelve identities, 48 programmable keys (e-paper labels), expansion modules. -#}
{% extends 'base.tpl' %}
