{#- Snom 710 (D710): five programmable keys, expansion modules; park keys are orbit keys. -#}
{% extends 'base.tpl' %}
