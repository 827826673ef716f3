{#- Snom D785: twelve identities, 24 programmable keys on the colour side display. -#}
{% extends 'base.tpl' %}
