{#- Cisco 7970G (SCCP 9.4). Copy this file to var/templates/ to change
    what this model gets; base.tpl says which blocks there are. -#}
{% extends 'base.tpl' %}
{% block vendor_config %}
<vendorConfig>
<disableSpeaker>false</disableSpeaker>
<pcPort>0</pcPort>
<settingsAccess>1</settingsAccess>
</vendorConfig>
{%- endblock %}
