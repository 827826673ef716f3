{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink T46S: 27 line keys, up to 6 EXP40 modules of 40 keys, 16 SIP accounts
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
{% endblock %}
