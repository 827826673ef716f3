{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink T53C: 21 line keys, up to 3 EXP50 modules of 60 keys, 12 SIP accounts
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
{% endblock %}
