{#- Grandstream/cfg<mac>.xml: a Grandstream phone's configuration in the
    vendor's XML provisioning format, config version 1: one <Pnnn> element
    per setting, named by the P-value numbers of Grandstream's
    configuration templates. Account 1 has numbers of its own; account N
    (2 and up) takes P<N+2>01 to P<N+2>99 and P2<N+2>01 to P2<N+2>99.

    Model templates extend this one and may fill the block
    model_settings (elements inside <config>). -#}
<?xml version="1.0" encoding="UTF-8"?>
<gs_provision version="1">
  <config version="1">
{%- if admin_password %}
    <P2>{{ admin_password|e }}</P2>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
    <P30>{{ ntp_ip|e }}</P30>
{%- endif %}
{%- if XX_timezone %}
    <P64>{{ XX_timezone|e }}</P64>
{%- endif %}
{%- if XX_locale %}
    <P1362>{{ XX_locale|e }}</P1362>
{%- endif %}
{%- if exten_pickup_call %}
    <P1347>{{ exten_pickup_call|e }}</P1347>
{%- endif %}
{%- if vlan_enabled and vlan_id %}
    <P51>{{ vlan_id|e }}</P51>
    <P87>{{ vlan_priority if vlan_priority is number else 0 }}</P87>
{%- endif %}
{%- if XX_dns_1 %}
    <P92>{{ XX_dns_1|e }}</P92>
    <P93>{{ XX_dns_2|e }}</P93>
    <P94>{{ XX_dns_3|e }}</P94>
    <P95>{{ XX_dns_4|e }}</P95>
{%- endif %}
{#- Auto-answer on Call-Info (paging), the dial plan, unregister on reboot. #}
    <P298>1</P298>
    <P290>{ [*x]+ }</P290>
    <P81>1</P81>
{#- Firmware from this server's Grandstream/ folder: checked every day at
    a random time between 23:00 and 01:00, installed without asking. #}
{%- if XX_server_url %}
    <P192>{{ XX_server_url_without_scheme|e }}/Grandstream</P192>
    <P212>{{ 2 if XX_server_url[:6] == 'https:' else 1 }}</P212>
{%- endif %}
    <P194>2</P194>
    <P8458>1</P8458>
    <P285>23</P285>
    <P8459>1</P8459>
    <P8375>0</P8375>
{#- DTMF in audio, in RTP, in SIP INFO: SIP INFO alone unless the mode is set. #}
{%- set dtmf = [XX_dtmf_in_audio, XX_dtmf_in_rtp, XX_dtmf_in_sip] if XX_dtmf_in_sip else ['No', 'No', 'Yes'] %}
{%- for no, line in sip_lines.items() if line %}
{%- if no == '1' %}
    <P271>1</P271>
    <P270>{{ line.display_name|e }}</P270>
    <P47>{{ (line.registrar_ip or line.proxy_ip)|e }}</P47>
    <P2312>{{ line.backup_registrar_ip|e }}</P2312>
    <P35>{{ line.username|e }}</P35>
    <P36>{{ (line.auth_username or line.username)|e }}</P36>
    <P34>{{ line.password|e }}</P34>
    <P3>{{ line.display_name|e }}</P3>
    <P33>{{ line.voicemail|e }}</P33>
    <P2301>{{ 1 if dtmf[0] == 'Yes' else 0 }}</P2301>
    <P2302>{{ 1 if dtmf[1] == 'Yes' else 0 }}</P2302>
    <P2303>{{ 1 if dtmf[2] == 'Yes' else 0 }}</P2303>
    <P191>0</P191>
{%- else %}
{%- set p = no|int + 2 %}
    <P{{ p }}01>1</P{{ p }}01>
    <P{{ p }}02>{{ (line.registrar_ip or line.proxy_ip)|e }}</P{{ p }}02>
    <P{{ p }}04>{{ line.username|e }}</P{{ p }}04>
    <P{{ p }}05>{{ (line.auth_username or line.username)|e }}</P{{ p }}05>
    <P{{ p }}06>{{ line.password|e }}</P{{ p }}06>
    <P{{ p }}07>{{ line.display_name|e }}</P{{ p }}07>
    <P{{ p }}17>{{ line.display_name|e }}</P{{ p }}17>
    <P{{ p }}20>0</P{{ p }}20>
    <P{{ p }}26>{{ line.voicemail|e }}</P{{ p }}26>
    <P2{{ p }}01>{{ 1 if dtmf[0] == 'Yes' else 0 }}</P2{{ p }}01>
    <P2{{ p }}02>{{ 1 if dtmf[1] == 'Yes' else 0 }}</P2{{ p }}02>
    <P2{{ p }}03>{{ 1 if dtmf[2] == 'Yes' else 0 }}</P2{{ p }}03>
    <P2{{ p }}12>{{ line.backup_registrar_ip|e }}</P2{{ p }}12>
{%- endif %}
{%- endfor %}
{#- Function keys: mode, account, label and value of each. #}
{%- for code, value in XX_fkeys %}
    <{{ code }}>{{ value|e }}</{{ code }}>
{%- endfor %}
{%- block model_settings %}{% endblock %}
  </config>
</gs_provision>
