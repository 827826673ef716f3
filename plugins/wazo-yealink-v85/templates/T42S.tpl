{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink T42S: 15 line keys, 12 SIP accounts
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
{% endblock %}
