{#- Snom 300: six programmable keys, expansion modules. -#}
{% extends 'base.tpl' %}
