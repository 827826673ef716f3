{#- Cisco 6871 (phone). Copy this file to var/templates/ to change what
    this model gets; base.tpl says which blocks there are. -#}
{% extends 'base.tpl' %}
