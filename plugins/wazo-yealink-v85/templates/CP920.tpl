{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink CP920 conference phone: 1 SIP account
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
{% endblock %}
