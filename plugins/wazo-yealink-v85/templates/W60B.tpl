{% extends 'base.tpl' %}
{% block model_specific_parameters %}
## Yealink W60B DECT base: 8 accounts shared by its handsets
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
static.auto_provision.handset_configured.enable = 1
{% if XX_handset_lang -%}
custom.handset.language = {{ XX_handset_lang }}
{% endif -%}
{% endblock %}
