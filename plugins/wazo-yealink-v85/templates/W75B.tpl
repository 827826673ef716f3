{% extends 'base.tpl' %}
{% block accounts -%}{% include 'partials/dect-accounts.tpl' %}{% endblock %}
{% block syslog -%}
{% if syslog_enabled and syslog_ip -%}
static.syslog.mode = 1
static.syslog.server = {{ syslog_ip }}
static.syslog.server_port = {{ syslog_port or 514 }}
{% else -%}
static.syslog.mode = 0
{% endif -%}
{% endblock %}
{% block model_specific_parameters %}
## Yealink W75B (multi-cell DECT base): accounts use SIP server templates
{% if XX_fw_filename -%}
static.firmware.url = {{ XX_server_url }}/firmware/{{ XX_fw_filename }}
{% endif -%}
static.auto_provision.handset_configured.enable = 1
{% if XX_handset_lang -%}
custom.handset.language = {{ XX_handset_lang }}
{% endif -%}
{% endblock %}
