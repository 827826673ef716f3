{#- SIP<MAC>.cfg: the settings of one Avaya 1220/1230 IP phone on SIP
    firmware, "NAME value" lines. The phone drops lines of 80 characters
    or more, and registers only with a valid backup server (the main one
    stands in when none is set).

    Block a <model>.tpl may fill: model_specific (last). -#}
# provd: Avaya 12x0 IP settings
{%- if ntp_enabled and ntp_ip %}
SNTP_ENABLE YES
SNTP_SERVER {{ ntp_ip }}
{%- endif %}
{%- if admin_password %}
ADMIN_PASSWORD {{ admin_password }}
{%- endif %}
{%- if XX_timezone %}
{{ XX_timezone }}
{%- endif %}
{%- if XX_line %}
SIP_DOMAIN1 {{ XX_line.XX_proxy_ip }}
SERVER_IP1_1 {{ XX_line.XX_proxy_ip }}
SERVER_PORT1_1 {{ XX_line.XX_proxy_port }}
SERVER_IP1_2 {{ XX_line.XX_backup_proxy_ip }}
SERVER_PORT1_2 {{ XX_line.XX_backup_proxy_port }}
AUTOLOGIN_ENABLE USE_AUTOLOGIN_ID
AUTOLOGIN_AUTHID_KEY01 {{ XX_line.auth_username }}
AUTOLOGIN_ID_KEY01 {{ XX_line.username }}@{{ XX_line.XX_proxy_ip }}
AUTOLOGIN_PASSWD_KEY01 {{ XX_line.password }}
{%- endif %}
{%- if exten_voicemail %}
VMAIL {{ exten_voicemail }}
{%- endif %}
{%- block model_specific %}{% endblock %}
