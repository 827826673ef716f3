{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink T48U: 29 line keys, up to 3 EXP43 modules of 60 keys, 16 SIP accounts
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
{% endblock %}
