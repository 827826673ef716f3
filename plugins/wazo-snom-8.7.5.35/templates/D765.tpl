{#- Snom D765: 16 programmable keys, expansion modules; park keys are orbit keys. -#}
{% extends 'base.tpl' %}
