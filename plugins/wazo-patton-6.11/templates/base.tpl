{#- <mac>.cfg: a Patton SmartNode's configuration, the CLI script its
    provisioning profile fetches and runs. SIP line N drives FXS port N-1;
    each distinct SIP server (a line's proxy or its backup) is a SIP
    interface and a location service. Every value is one CLI argument,
    quoted by the family when it holds a blank (XX_* keys).

    Model templates extend this one and may fill the block
    model_settings (commands at the end). -#}
cli version 3.20
{%- if XX_timezone_offset %}
clock local default-offset {{ XX_timezone_offset }}
{%- endif %}
{%- if XX_dst_offset %}
clock local dst-rule DSTRULE {{ XX_dst_offset }} from {{ XX_dst_start }} until {{ XX_dst_end }}
{%- endif %}

{#- Fetch the configuration (and firmware) a minute after each start,
    and again when a check-sync NOTIFY arrives. #}
timer PROVISIONING_CONFIG now + 1 minute "provisioning execute PF_PROVISIONING_CONFIG"
{%- if XX_firmware_dir %}
timer PROVISIONING_FIRMWARE now + 1 minute "provisioning execute PF_PROVISIONING_FIRMWARE"
{%- endif %}
{%- if ntp_enabled and XX_ntp_ip %}

sntp-client
sntp-client server primary {{ XX_ntp_ip }}
{%- endif %}
{%- if XX_admin_password %}

administrator {{ XX_admin_username }} password {{ XX_admin_password }}
{%- endif %}
{%- if XX_user_username and XX_user_password %}
operator {{ XX_user_username }} password {{ XX_user_password }}
{%- endif %}

profile provisioning PF_PROVISIONING_CONFIG
  destination configuration
  location 1 $(dhcp.66)/$(system.mac).cfg
  activation reload graceful
{%- if XX_firmware_dir %}

profile provisioning PF_PROVISIONING_FIRMWARE
  destination script
  location 1 $(dhcp.66)/{{ XX_firmware_dir }}/bw
  activation reload graceful
{%- endif %}

actions
  rule ACT_CHECK_SYNC
    condition sip gateway:GW_SIP NOTIFY_CHECK_SYNC_RELOAD
    action "provisioning execute PF_PROVISIONING_CONFIG"
{%- if syslog_enabled and XX_syslog_ip %}

syslog-client
  remote {{ XX_syslog_ip }} {{ XX_syslog_port }}
    facility kernel severity informational
    facility sip severity {{ XX_syslog_level or 'informational' }}
{%- endif %}

system
  ic voice 0
    low-bitrate-codec g729

context ip router
  interface eth0
    ipaddress dhcp
    tcp adjust-mss rx mtu
    tcp adjust-mss tx mtu
{%- if vlan_enabled and vlan_id %}

profile service-policy SP_VLAN_PRIO
  source traffic-class default
    set layer2 cos {{ vlan_priority if vlan_priority is number else 0 }}

context ip router
  interface eth0
    use profile service-policy SP_VLAN_PRIO out

port ethernet 0 0
  medium auto
  vlan {{ vlan_id }}
    encapsulation ip
    bind interface eth0 router
    no shutdown
{%- else %}

port ethernet 0 0
  medium auto
  encapsulation ip
  bind interface eth0 router
{%- endif %}

port ethernet 0 0
  no shutdown

context cs switch
  routing-table called-uri RT_FROM_SIP
{%- for line in XX_lines %}
    route sip:{{ line.username }}@.% dest-interface IF_FXS{{ line.fxs_port_no }}
{%- endfor %}
{%- for server in XX_servers %}

  interface sip IF_SIP_SERVER{{ server.id }}
    bind context sip-gateway GW_SIP
    route call dest-table RT_FROM_SIP
    remote {{ server.proxy_ip }} {{ server.proxy_port }}
{%- endfor %}
{%- for line in XX_lines %}

  service hunt-group HG_FROM_FXS{{ line.fxs_port_no }}
    timeout 3
{%- for server in line.servers %}
    route call dest-interface IF_SIP_SERVER{{ server.id }}
{%- endfor %}

  routing-table called-e164 RT_FROM_FXS{{ line.fxs_port_no }}
    route .T dest-service HG_FROM_FXS{{ line.fxs_port_no }}

  interface fxs IF_FXS{{ line.fxs_port_no }}
    route call dest-table RT_FROM_FXS{{ line.fxs_port_no }}
    message-waiting-indication stutter-dial-tone
    message-waiting-indication frequency-shift-keying
    call-transfer
    subscriber-number {{ line.username }}
{%- endfor %}

context cs switch
  no shutdown

authentication-service AUTH
{%- for line in XX_lines %}
  username {{ line.auth_username }} password {{ line.password }}
{%- endfor %}
{%- for server in XX_servers %}

location-service LOC_SERVER{{ server.id }}
  domain {{ server.proxy_ip }}
{%- for line in server.lines %}

  identity {{ line.username }}
    authentication outbound
      authenticate authentication-service AUTH username {{ line.auth_username }}
    call outbound
      preferred-transport-protocol {{ sip_transport }}
    message inbound
      subscribe implicit
    registration outbound
      register auto
{%- if line.XX_main %}
      registrar {{ line.registrar_ip }} {{ line.registrar_port }}
{%- else %}
      registrar {{ line.backup_registrar_ip }} {{ line.backup_registrar_port }}
{%- endif %}
      preferred-transport-protocol {{ sip_transport }}
{%- endfor %}
{%- endfor %}

context sip-gateway GW_SIP
  interface TRANSPORT_ETH0
    bind interface eth0 port 5060

context sip-gateway GW_SIP
{%- for server in XX_servers %}
  bind location-service LOC_SERVER{{ server.id }}
{%- endfor %}
  notify check-sync accept
  no shutdown
{%- for line in XX_lines %}

port fxs 0 {{ line.fxs_port_no }}
  encapsulation cc-fxs
  bind interface IF_FXS{{ line.fxs_port_no }} switch
  no shutdown
{%- endfor %}
{%- block model_settings %}{% endblock %}
