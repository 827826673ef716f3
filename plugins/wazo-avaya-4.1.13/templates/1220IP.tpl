{#- Avaya 1220IP (SIP firmware 4.1). Copy this file to var/templates/ to change what
    this model gets; base.tpl says which blocks there are. -#}
{% extends 'base.tpl' %}
