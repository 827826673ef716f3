{#- Snom D765: twelve identities, 16 programmable keys; park keys are orbit keys. -#}
{% extends 'base.tpl' %}
