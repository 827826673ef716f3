{#- Snom 715 (D715): four identities, five programmable keys, expansion modules; park keys are orbit keys. -#}
{% extends 'base.tpl' %}
