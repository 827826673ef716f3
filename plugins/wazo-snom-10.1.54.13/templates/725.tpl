{#- Snom 725 (D725): twelve identities, 18 programmable keys, expansion modules; park keys are orbit keys. -#}
{% extends 'base.tpl' %}
