{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink T41S: 15 line keys, 6 SIP accounts
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
{% endblock %}
