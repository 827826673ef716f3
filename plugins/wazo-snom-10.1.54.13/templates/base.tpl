{#- Settings of one Snom desk phone, in the XML setting-file format of the
    Snom configuration reference: each setting of <phone-settings> is an
    element named after it, idx="N" addresses identity N, perm="R" keeps the
    user from changing the value on the phone; <functionKeys> holds the
    programmable keys, idx="0" being the first (P1).

    The phone reads snom-general.xml (defaults, identities and keys reset)
    before this file, so the values here win. <model>.tpl files extend this
    one and may replace the blocks "directory", "model_settings" and
    "function_keys". -#}
<?xml version="1.0" encoding="utf-8"?>
<settings>
  <phone-settings>
    <setting_server perm="RW">{{ XX_server_url|e }}/</setting_server>
{%- if XX_lang %}
    <language perm="R">{{ XX_lang[0]|e }}</language>
    <web_language perm="R">{{ XX_lang[0]|e }}</web_language>
    <tone_scheme perm="R">{{ XX_lang[1]|e }}</tone_scheme>
{%- endif %}
{%- if XX_timezone %}
    {{ XX_timezone }}
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
    <ntp_server perm="R">{{ ntp_ip|e }}</ntp_server>
{%- endif %}
{%- if dns_enabled and dns_ip %}
    <dns_server1 perm="R">{{ dns_ip|e }}</dns_server1>
{%- endif %}
{%- if vlan_enabled %}
    <vlan_id perm="R">{{ vlan_id|e }}</vlan_id>
    <vlan_qos perm="R">{{ vlan_priority or 0 }}</vlan_qos>
    <vlan_pc_id perm="R">{{ vlan_pc_port_id or 0 }}</vlan_pc_id>
{%- endif %}
{%- if XX_syslog_server %}
    <syslog_server perm="R">{{ XX_syslog_server|e }}</syslog_server>
    <log_level perm="R">{{ XX_log_level }}</log_level>
{%- endif %}
{%- if admin_username %}
    <http_user perm="R">{{ admin_username|e }}</http_user>
    <webserver_admin_name perm="R">{{ admin_username|e }}</webserver_admin_name>
{%- endif %}
{%- if admin_password %}
    <http_pass perm="R">{{ admin_password|e }}</http_pass>
    <webserver_admin_password perm="R">{{ admin_password|e }}</webserver_admin_password>
    <admin_mode_password perm="R">{{ admin_password|e }}</admin_mode_password>
{%- endif %}
{%- if user_username %}
    <webserver_user_name perm="R">{{ user_username|e }}</webserver_user_name>
{%- endif %}
{%- if user_password %}
    <webserver_user_password perm="R">{{ user_password|e }}</webserver_user_password>
{%- endif %}
    <call_waiting perm="R">{{ 'off' if XX_options.switchboard else 'on' }}</call_waiting>
    <status_msgs_that_are_blocked perm="R">{{ XX_msgs_blocked }}</status_msgs_that_are_blocked>
{%- block directory %}
{%- if XX_xivo_phonebook_url %}
    <dkey_directory perm="R">url {{ XX_xivo_phonebook_url|e }}</dkey_directory>
{%- endif %}
{%- endblock %}
{%- for line in XX_lines %}
    <!-- Identity {{ line.XX_idx }} -->
    <user_active idx="{{ line.XX_idx }}" perm="R">on</user_active>
    <user_realname idx="{{ line.XX_idx }}" perm="R">{{ (line.display_name or '')|e }}</user_realname>
    <user_idle_text idx="{{ line.XX_idx }}" perm="R">{{ (line.display_name or line.number or '')|e }}</user_idle_text>
    <user_name idx="{{ line.XX_idx }}" perm="R">{{ (line.username or '')|e }}</user_name>
    <user_pname idx="{{ line.XX_idx }}" perm="R">{{ (line.auth_username or line.username or '')|e }}</user_pname>
    <user_pass idx="{{ line.XX_idx }}" perm="R">{{ (line.password or '')|e }}</user_pass>
    <user_host idx="{{ line.XX_idx }}" perm="R">{{ (line.XX_host or '')|e }}</user_host>
    <user_outbound idx="{{ line.XX_idx }}" perm="R">{{ (line.XX_outbound or '')|e }}</user_outbound>
    <user_mailbox idx="{{ line.XX_idx }}" perm="R">{{ (line.voicemail or '')|e }}</user_mailbox>
    <user_dtmf_info idx="{{ line.XX_idx }}" perm="R">{{ line.XX_user_dtmf_info }}</user_dtmf_info>
    <user_srtp idx="{{ line.XX_idx }}" perm="R">{{ line.XX_srtp }}</user_srtp>
    <user_savp idx="{{ line.XX_idx }}" perm="R">{{ line.XX_savp }}</user_savp>
{%- if line.XX_backup_idx %}
    <user_failover_identity idx="{{ line.XX_idx }}" perm="R">{{ line.XX_backup_idx }}</user_failover_identity>
    <!-- Identity {{ line.XX_backup_idx }}: failover of identity {{ line.XX_idx }} -->
    <user_active idx="{{ line.XX_backup_idx }}" perm="R">on</user_active>
    <user_realname idx="{{ line.XX_backup_idx }}" perm="R">{{ (line.display_name or '')|e }}</user_realname>
    <user_idle_text idx="{{ line.XX_backup_idx }}" perm="R">{{ (line.display_name or line.number or '')|e }}</user_idle_text>
    <user_name idx="{{ line.XX_backup_idx }}" perm="R">{{ (line.username or '')|e }}</user_name>
    <user_pname idx="{{ line.XX_backup_idx }}" perm="R">{{ (line.auth_username or line.username or '')|e }}</user_pname>
    <user_pass idx="{{ line.XX_backup_idx }}" perm="R">{{ (line.password or '')|e }}</user_pass>
    <user_host idx="{{ line.XX_backup_idx }}" perm="R">{{ line.XX_backup_host|e }}</user_host>
    <user_outbound idx="{{ line.XX_backup_idx }}" perm="R">{{ line.XX_backup_outbound|e }}</user_outbound>
    <user_mailbox idx="{{ line.XX_backup_idx }}" perm="R">{{ (line.voicemail or '')|e }}</user_mailbox>
    <user_dtmf_info idx="{{ line.XX_backup_idx }}" perm="R">{{ line.XX_user_dtmf_info }}</user_dtmf_info>
    <user_srtp idx="{{ line.XX_backup_idx }}" perm="R">{{ line.XX_srtp }}</user_srtp>
    <user_savp idx="{{ line.XX_backup_idx }}" perm="R">{{ line.XX_savp }}</user_savp>
    <hide_identity idx="{{ line.XX_backup_idx }}" perm="R">true</hide_identity>
{%- endif %}
{%- endfor %}
{%- block model_settings %}{% endblock %}
  </phone-settings>
{%- block function_keys %}
  <functionKeys>
{%- if XX_fkeys %}
{{ XX_fkeys }}
{%- endif %}
  </functionKeys>
{%- endblock %}
</settings>
