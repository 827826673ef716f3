#!version:1.0.0.1
## Written by provd for this phone; local changes are replaced at the next
## provisioning. Copy a template to var/templates/ of the plugin to change it.

{#
  Context: the device's flattened raw config plus the XX_* values of the
  Yealink family (XX_sip_lines, XX_templates, XX_fkeys, XX_timezone,
  XX_server_url, ...). Tags sit alone on their line and end in "-%}" so
  that they leave no blank lines; only the "endblock" closing a section
  keeps its newline, for one blank line before the next heading.
-#}
## Provisioning
{% block provisioning -%}
static.auto_provision.server.url = {{ XX_server_url }}/
static.auto_provision.pnp_enable = 0
{% if XX_config_key -%}
## The key of this phone's encrypted files: this file reaches the phone
## only over HTTPS with its own certificate.
static.auto_provision.aes_key.mac = {{ XX_config_key }}
{% endif -%}
static.directory_setting.url = {{ XX_server_url }}/directory_setting.xml
## A check-sync NOTIFY makes the phone fetch this file again, not reboot.
sip.notify_reboot_enable = 0
{% endblock %}
## Network
{% block network -%}
{% if vlan_enabled and vlan_id is not none and vlan_id is defined -%}
static.network.vlan.internet_port_enable = 1
static.network.vlan.internet_port_vid = {{ vlan_id }}
static.network.vlan.internet_port_priority = {{ vlan_priority or 0 }}
{% if vlan_pc_port_id -%}
static.network.vlan.pc_port_enable = 1
static.network.vlan.pc_port_vid = {{ vlan_pc_port_id }}
static.network.vlan.pc_port_priority = {{ vlan_priority or 0 }}
{% else -%}
static.network.vlan.pc_port_enable = 0
{% endif -%}
{% else -%}
static.network.vlan.internet_port_enable = 0
static.network.vlan.pc_port_enable = 0
{% endif -%}
{% if dns_enabled and dns_ip -%}
static.network.static_dns_enable = 1
static.network.primary_dns = {{ dns_ip }}
{% else -%}
static.network.static_dns_enable = 0
{% endif -%}
{% endblock -%}
{% block syslog -%}
{% if syslog_enabled and syslog_ip -%}
static.syslog.enable = 1
static.syslog.server = {{ syslog_ip }}
static.syslog.server_port = {{ syslog_port or 514 }}
static.syslog.level = {{ XX_syslog_level or 4 }}
{% else -%}
static.syslog.enable = 0
{% endif -%}
{% endblock %}
## Time and language
{% block time -%}
{% if ntp_ip and (ntp_enabled or ntp_enabled is not defined) -%}
local_time.ntp_server1 = {{ ntp_ip }}
local_time.manual_ntp_srv_prior = 1
{% else -%}
local_time.ntp_server1 = pool.ntp.org
local_time.manual_ntp_srv_prior = 0
{% endif -%}
{% if XX_timezone -%}
{{ XX_timezone }}
{% endif -%}
{% endblock -%}
{% block locale -%}
{% if XX_lang -%}
lang.gui = {{ XX_lang }}
lang.wui = {{ XX_lang }}
voice.tone.country = {{ XX_country }}
{% endif -%}
{% endblock %}
## Access to the phone
{% block security -%}
static.security.user_name.user = {{ user_username or 'user' }}
static.security.user_name.admin = {{ admin_username or 'admin' }}
static.security.user_password = {{ user_username or 'user' }}:{{ user_password or 'user' }}
static.security.user_password = {{ admin_username or 'admin' }}:{{ admin_password or 'admin' }}
{% endblock %}
## Features
{% block features -%}
call_waiting.enable = {{ 0 if XX_options.switchboard else 1 }}
{% if sip_proxy_ip -%}
features.action_uri_limit_ip = {{ sip_proxy_ip }}
{% endif -%}
{% if XX_wazo_phoned_user_service_dnd_enabled_url -%}
action_url.dnd_on = {{ XX_wazo_phoned_user_service_dnd_enabled_url }}
action_url.dnd_off = {{ XX_wazo_phoned_user_service_dnd_disabled_url }}
{% endif -%}
{% if XX_xivo_phonebook_url -%}
remote_phonebook.data.1.name = Wazo
remote_phonebook.data.1.url = {{ XX_xivo_phonebook_url }}
{% else -%}
remote_phonebook.data.1.name = %NULL%
remote_phonebook.data.1.url = %NULL%
{% endif -%}
{% endblock %}
## SIP accounts
{% block accounts -%}
{% for line_no, line in XX_sip_lines.items() -%}
{% if line -%}
account.{{ line_no }}.enable = 1
account.{{ line_no }}.label = {{ line.display_name or line.number or '' }}
account.{{ line_no }}.display_name = {{ line.display_name or '' }}
account.{{ line_no }}.auth_name = {{ line.auth_username or '' }}
account.{{ line_no }}.user_name = {{ line.username or '' }}
account.{{ line_no }}.password = {{ line.password or '' }}
account.{{ line_no }}.sip_server.1.address = {{ line.proxy_ip or '%NULL%' }}
account.{{ line_no }}.sip_server.1.port = {{ line.proxy_port or '%NULL%' }}
account.{{ line_no }}.sip_server.1.transport_type = {{ XX_sip_transport }}
account.{{ line_no }}.sip_server.2.address = {{ line.backup_proxy_ip or '%NULL%' }}
account.{{ line_no }}.sip_server.2.port = {{ line.backup_proxy_port or '%NULL%' }}
account.{{ line_no }}.sip_server.2.transport_type = {{ XX_sip_transport }}
{% if line.outbound_proxy_ip -%}
account.{{ line_no }}.outbound_proxy_enable = 1
account.{{ line_no }}.outbound_proxy.1.address = {{ line.outbound_proxy_ip }}
account.{{ line_no }}.outbound_proxy.1.port = {{ line.outbound_proxy_port or 5060 }}
{% else -%}
account.{{ line_no }}.outbound_proxy_enable = 0
{% endif -%}
account.{{ line_no }}.nat.udp_update_enable = 1
account.{{ line_no }}.dtmf.type = {{ line.XX_dtmf_type or '%NULL%' }}
account.{{ line_no }}.dtmf.info_type = 1
account.{{ line_no }}.srtp_encryption = {{ line.XX_srtp_encryption or 0 }}
account.{{ line_no }}.subscribe_mwi = {{ 1 if sip_subscribe_mwi else 0 }}
voice_mail.number.{{ line_no }} = {{ line.voicemail or '%NULL%' }}
{% else -%}
account.{{ line_no }}.enable = 0
account.{{ line_no }}.label = %NULL%
account.{{ line_no }}.auth_name = %NULL%
account.{{ line_no }}.user_name = %NULL%
account.{{ line_no }}.password = %NULL%
account.{{ line_no }}.sip_server.1.address = %NULL%
voice_mail.number.{{ line_no }} = %NULL%
{% endif -%}
{% endfor -%}
{% endblock -%}
{% block handsets -%}
{% if XX_handsets_fw %}
## Handset and dongle firmware, pushed over the air
{% for handset, fw in XX_handsets_fw.items() -%}
over_the_air.url.{{ handset }} = {{ XX_server_url }}/firmware/{{ fw }}
{% endfor -%}
over_the_air.handset_tip = 0
{% endif -%}
{% endblock -%}
{% block keys -%}
{% if XX_fkeys %}
## Programmable keys
{{ XX_fkeys }}
{%- endif -%}
{% endblock -%}
{% block model_specific_parameters -%}
{% endblock -%}
