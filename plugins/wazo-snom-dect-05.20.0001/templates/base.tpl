{#- Settings of one Snom DECT base (M-series), in the XML setting-file
    format of the Snom configuration reference. The base keeps a table of
    SIP servers (idx = server, at most ten) and one of accounts (idx =
    account); each account names its server and the handset registration
    code that binds a handset to it. snom-general.xml, read before this
    file, switches every account off, so accounts removed from the
    configuration do not stay behind. -#}
<?xml version="1.0" encoding="utf-8"?>
<settings>
  <phone-settings>
{%- if XX_lang %}
    <language>{{ XX_lang[0]|e }}</language>
    <web_language>{{ XX_lang[0]|e }}</web_language>
    <tone_scheme>{{ XX_lang[1]|e }}</tone_scheme>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
    <ntp_server>{{ ntp_ip|e }}</ntp_server>
{%- endif %}
{%- if vlan_enabled %}
    <vlan_id>{{ vlan_id|e }}</vlan_id>
    <vlan_qos>{{ vlan_priority or 0 }}</vlan_qos>
{%- endif %}
{%- if admin_username %}
    <http_user>{{ admin_username|e }}</http_user>
{%- endif %}
{%- if admin_password %}
    <http_pass>{{ admin_password|e }}</http_pass>
    <admin_mode_password>{{ admin_password|e }}</admin_mode_password>
{%- endif %}
{%- if XX_xivo_phonebook_url %}
    <phonebook_server_location>3</phonebook_server_location>
    <phonebook_location>{{ XX_xivo_phonebook_url|e }}</phonebook_location>
{%- endif %}
{%- for server in XX_servers.values() %}
    <!-- Server {{ server.id }} -->
    <srv_sip_server_alias idx="{{ server.id }}">Wazo {{ server.id }}</srv_sip_server_alias>
    <user_host idx="{{ server.id }}">{{ server.proxy_ip|e }}</user_host>
    <user_outbound idx="{{ server.id }}">{{ server.XX_outbound|e }}</user_outbound>
    <srv_sip_transport idx="{{ server.id }}">{{ XX_sip_transport }}</srv_sip_transport>
    <user_dtmf_info idx="{{ server.id }}">{{ server.XX_user_dtmf_info }}</user_dtmf_info>
    <user_srtp idx="{{ server.id }}">{{ server.XX_srtp }}</user_srtp>
    <srv_srtp_auth idx="{{ server.id }}">off</srv_srtp_auth>
{%- endfor %}
{%- for line in XX_lines %}
    <!-- Account {{ line.XX_idx }} -->
    <user_active idx="{{ line.XX_idx }}">on</user_active>
    <user_realname idx="{{ line.XX_idx }}">{{ (line.display_name or '')|e }}</user_realname>
    <user_name idx="{{ line.XX_idx }}">{{ (line.username or '')|e }}</user_name>
    <user_pname idx="{{ line.XX_idx }}">{{ (line.auth_username or line.username or '')|e }}</user_pname>
    <user_pass idx="{{ line.XX_idx }}">{{ (line.password or '')|e }}</user_pass>
    <user_mailbox idx="{{ line.XX_idx }}">{{ (line.voicemail or '')|e }}</user_mailbox>
    <subscr_sip_ua_data_server_id idx="{{ line.XX_idx }}">{{ line.XX_server_id }}</subscr_sip_ua_data_server_id>
    <subscr_sip_hs_idx idx="{{ line.XX_idx }}">{{ line.XX_idx }}</subscr_sip_hs_idx>
    <subscr_dect_ac_code idx="{{ line.XX_idx }}">{{ line.XX_ac_code }}</subscr_dect_ac_code>
{%- endfor %}
{%- block model_settings %}{% endblock %}
  </phone-settings>
</settings>
