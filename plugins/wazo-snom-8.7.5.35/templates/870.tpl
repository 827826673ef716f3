{#- Snom 870: 15 programmable keys on the touch screen. -#}
{% extends 'base.tpl' %}
