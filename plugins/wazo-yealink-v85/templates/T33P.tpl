{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink T33P: 12 line keys, 4 SIP accounts
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
{% endblock %}
