{#- Settings every model shares. <model>.tpl sets the model's default keys
    first and includes this file last: the phone keeps the last value it reads
    for a key, so the function keys configured in provd (XX_fkeys) win over
    the model defaults. Key names follow the Aastra/Mitel SIP administrator
    guide; lines are "key: value". -#}
# Provisioning server
{%- if XX_download_server %}
download protocol: {{ XX_download_protocol }}
{%- if XX_download_protocol == 'HTTPS' %}
https server: {{ XX_download_server }}
https path: {{ XX_download_path }}
https port: {{ XX_download_port }}
{%- else %}
http server: {{ XX_download_server }}
http path: {{ XX_download_path }}
http port: {{ XX_download_port }}
{%- endif %}
upgrade uri: {{ XX_download_uri }}
{%- endif %}
# Nightly check: the phone reboots only if its files or firmware changed.
auto resync mode: 3
auto resync time: 03:00
auto resync max delay: 120

# Network
{%- if dns_enabled %}
dns1: {{ dns_ip }}
{%- endif %}
{%- if vlan_enabled %}
tagging enabled: 1
vlan id: {{ vlan_id }}
{%- if vlan_priority is defined and vlan_priority is not none %}
sip priority: {{ vlan_priority }}
rtp priority: {{ vlan_priority }}
rtcp priority: {{ vlan_priority }}
priority non-ip: {{ vlan_priority }}
{%- endif %}
vlan id port 1: {{ vlan_pc_port_id or 4095 }}
{%- else %}
tagging enabled: 0
{%- endif %}

# Time
{%- if ntp_enabled %}
time server disabled: 0
time server1: {{ ntp_ip }}
{%- else %}
time server disabled: 1
{%- endif %}
{%- if XX_timezone %}
{{ XX_timezone }}
{%- endif %}

# Language
{%- if XX_locale %}
language 1: {{ XX_language_path }}{{ XX_locale[0] }}
language: 1
tone set: {{ XX_locale[1] }}
input language: {{ XX_locale[2] }}
{%- else %}
language: 0
{%- endif %}
{%- if admin_password or user_password %}

# Access
{%- if admin_password %}
admin password: {{ admin_password }}
{%- endif %}
{%- if user_password %}
user password: {{ user_password }}
{%- endif %}
{%- endif %}
{%- if syslog_enabled %}

# Logging
log server ip: {{ syslog_ip }}
log server port: {{ syslog_port }}
{%- for module in ['linemgr', 'user interface', 'sip', 'ept', 'ind', 'kbd', 'net', 'provis', 'rtpt', 'snd', 'stun'] %}
log module {{ module }}: {{ XX_log_level }}
{%- endfor %}
{%- endif %}

# SIP, all lines
{%- if XX_transport_proto %}
sip transport protocol: {{ XX_transport_proto }}
{%- endif %}
{%- if XX_trusted_certificates %}
sips trusted certificates: {{ XX_trusted_certificates }}
{%- endif %}
{%- if XX_out_of_band_dtmf %}
sip out-of-band dtmf: {{ XX_out_of_band_dtmf }}
sip dtmf method: {{ XX_dtmf_method }}
{%- endif %}
{%- set srtp_codes = {'disabled': 0, 'preferred': 1, 'required': 2} %}
{%- if sip_srtp_mode in srtp_codes %}
sip srtp mode: {{ srtp_codes[sip_srtp_mode] }}
{%- endif %}
{%- if sip_outbound_proxy_ip %}
sip outbound proxy: {{ sip_outbound_proxy_ip }}
sip outbound proxy port: {{ sip_outbound_proxy_port or 5060 }}
{%- endif %}
{%- if sip_subscribe_mwi is defined %}
sip explicit mwi subscription: {{ 1 if sip_subscribe_mwi else 0 }}
{%- endif %}
sip customized codec: payload=9;ptime=20;silsupp=off,payload=0;ptime=20;silsupp=off,payload=8;ptime=20;silsupp=off
{%- if exten_pickup_call %}
directed call pickup prefix: {{ exten_pickup_call }}
{%- endif %}
{%- if XX_options and XX_options.switchboard %}
sip xml notify event: 1
call waiting: 0
{%- endif %}
{%- if XX_xivo_phonebook_url %}
xml application URI: {{ XX_xivo_phonebook_url }}
xml application title: {{ XX_dict.remote_directory }}
{%- endif %}
{%- for no, line in sip_lines|dictsort %}

# SIP line {{ no }}
sip line{{ no }} auth name: {{ line.auth_username }}
sip line{{ no }} password: {{ line.password }}
sip line{{ no }} user name: {{ line.username }}
sip line{{ no }} display name: {{ line.display_name }}
sip line{{ no }} screen name: {{ line.display_name }}
{%- if line.number %}
sip line{{ no }} screen name 2: {{ line.number }}
{%- endif %}
{%- if line.proxy_ip %}
sip line{{ no }} proxy ip: {{ line.proxy_ip }}
sip line{{ no }} proxy port: {{ line.proxy_port }}
{%- endif %}
{%- if line.registrar_ip %}
sip line{{ no }} registrar ip: {{ line.registrar_ip }}
sip line{{ no }} registrar port: {{ line.registrar_port }}
{%- endif %}
sip line{{ no }} backup proxy ip: {{ line.backup_proxy_ip }}
sip line{{ no }} backup proxy port: {{ line.backup_proxy_port }}
sip line{{ no }} backup registrar ip: {{ line.backup_registrar_ip }}
sip line{{ no }} backup registrar port: {{ line.backup_registrar_port }}
{%- if line.outbound_proxy_ip %}
sip line{{ no }} outbound proxy: {{ line.outbound_proxy_ip }}
sip line{{ no }} outbound proxy port: {{ line.outbound_proxy_port or 5060 }}
{%- endif %}
sip line{{ no }} dtmf method: {{ line.XX_dtmf_method }}
sip line{{ no }} srtp mode: {{ line.XX_srtp_mode }}
{%- if line.voicemail %}
sip line{{ no }} vmail: {{ line.voicemail }}
{%- endif %}
{%- endfor %}
{%- if XX_parking %}

# Call park
{{ XX_parking }}
{%- endif %}
{%- if XX_fkeys %}

# Function keys
{{ XX_fkeys }}
{%- endif %}

