{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink T31: 2 line keys, 2 SIP accounts
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
{% endblock %}
