{#- Snom D717: six identities, three programmable keys, expansion modules. -#}
{% extends 'base.tpl' %}
