{#- Snom 320: twelve programmable keys, expansion modules. -#}
{% extends 'base.tpl' %}
