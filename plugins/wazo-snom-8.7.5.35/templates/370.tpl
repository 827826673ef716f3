{#- Snom 370: twelve programmable keys, expansion modules. -#}
{% extends 'base.tpl' %}
