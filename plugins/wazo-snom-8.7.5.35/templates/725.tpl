{#- Snom 725 (D725): 18 programmable keys, expansion modules; park keys are orbit keys. -#}
{% extends 'base.tpl' %}
