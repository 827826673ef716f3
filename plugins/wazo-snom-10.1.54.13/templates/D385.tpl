{#- Snom D385: twelve identities, 48 programmable keys on the colour side display, expansion modules. -#}
{% extends 'base.tpl' %}
