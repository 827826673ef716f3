{#- <mac>.cfg: the settings of one Avaya J100 phone, "SET NAME value"
    lines, read after J100Supgrade.txt. The phone runs in third-party
    (3PCC) mode against the SIP server of line 1.

    Block a <model>.tpl may fill: model_specific (last). -#}
## provd: Avaya J100 settings
SET ENABLE_AVAYA_ENVIRONMENT 0
SET DISCOVER_AVAYA_ENVIRONMENT 0
SET ENABLE_3PCC_ENVIRONMENT 1
{%- if XX_server_url_without_port %}
SET HTTPSRVR {{ XX_server_url_without_port }}
SET HTTPPORT {{ XX_server_url_port }}
{%- endif %}
{%- if admin_password %}
SET FORCE_WEB_ADMIN_PASSWORD {{ admin_password }}
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
SET SNTPSRVR {{ ntp_ip }}
{%- endif %}
{%- if XX_utc_offset is defined %}
SET GMTOFFSET {{ XX_utc_offset }}
{%- endif %}
{%- if XX_line %}
SET SIP_CONTROLLER_LIST {{ XX_line.XX_proxy_ip }}:{{ XX_line.XX_proxy_port }};transport=udp
SET SIPDOMAIN {{ XX_line.XX_proxy_ip }}
SET MWISRVR {{ XX_line.XX_proxy_ip }}
SET DISPLAY_NAME {{ XX_line.display_name }}
SET SIP_USER_ACCOUNT {{ XX_line.username }}@{{ XX_line.XX_proxy_ip }}
SET ENABLE_SIP_USER_ID 1
SET SIP_USER_ID {{ XX_line.auth_username }}
SET FORCE_SIP_USERNAME {{ XX_line.auth_username }}
SET FORCE_SIP_PASSWORD {{ XX_line.password }}
SET FORCE_SIP_EXTENSION {{ XX_line.number or XX_line.username }}
{%- endif %}
{%- if exten_voicemail %}
SET MSGNUM {{ exten_voicemail }}
{%- endif %}
{%- block model_specific %}{% endblock %}
