{#- <mac>.xml: the flat profile of one Cisco/Linksys analog telephone
    adapter, fetched over HTTP through profile rule C (set by the common
    file the ATA asks first) right after spa-ata.xml, the shared defaults
    (rule B). Line n is phone port n. The ATA keeps the last value it reads
    for an element and ignores elements it does not know.

    Block a <model>.tpl may fill: model_specific (last, so it wins). -#}
<?xml version="1.0" encoding="{{ XX_encoding }}"?>
<flat-profile>
<!-- Provisioning -->
{%- if XX_upgrade_rule %}
<Upgrade_Enable>Yes</Upgrade_Enable>
<Upgrade_Rule>{{ XX_upgrade_rule|e }}</Upgrade_Rule>
{%- endif %}
<!-- Access -->
{%- if admin_password %}
<Admin_Passwd>{{ admin_password|e }}</Admin_Passwd>
{%- endif %}
{%- if user_password %}
<User_Password>{{ user_password|e }}</User_Password>
{%- endif %}
<!-- Network -->
{%- if dns_enabled and dns_ip %}
<Primary_DNS>{{ dns_ip }}</Primary_DNS>
{%- endif %}
{%- if vlan_enabled %}
<Enable_VLAN>Yes</Enable_VLAN>
<VLAN_ID>{{ vlan_id }}</VLAN_ID>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
<Primary_NTP_Server>{{ ntp_ip }}</Primary_NTP_Server>
{%- endif %}
{%- if syslog_enabled and syslog_ip %}
<Syslog_Server>{{ syslog_ip }}:{{ syslog_port }}</Syslog_Server>
{%- endif %}
<!-- Regional -->
{%- if XX_timezone %}
{{ XX_timezone }}
{%- endif %}
<!-- Ports -->
{%- for no, line in XX_lines.items() %}
<Line_Enable_{{ no }}_>Yes</Line_Enable_{{ no }}_>
<Proxy_{{ no }}_>{{ line.XX_proxy|e }}</Proxy_{{ no }}_>
<Use_DNS_SRV_{{ no }}_>Yes</Use_DNS_SRV_{{ no }}_>
<Proxy_Fallback_Intvl_{{ no }}_>120</Proxy_Fallback_Intvl_{{ no }}_>
{%- if line.XX_outbound_proxy %}
<Outbound_Proxy_{{ no }}_>{{ line.XX_outbound_proxy|e }}</Outbound_Proxy_{{ no }}_>
<Use_Outbound_Proxy_{{ no }}_>Yes</Use_Outbound_Proxy_{{ no }}_>
{%- endif %}
<Display_Name_{{ no }}_>{{ line.display_name|e }}</Display_Name_{{ no }}_>
<User_ID_{{ no }}_>{{ line.username|e }}</User_ID_{{ no }}_>
<Password_{{ no }}_>{{ line.password|e }}</Password_{{ no }}_>
<Use_Auth_ID_{{ no }}_>Yes</Use_Auth_ID_{{ no }}_>
<Auth_ID_{{ no }}_>{{ line.auth_username|e }}</Auth_ID_{{ no }}_>
<DTMF_Tx_Method_{{ no }}_>{{ line.XX_dtmf }}</DTMF_Tx_Method_{{ no }}_>
<Voice_Mail_Number_{{ no }}_>{{ line.XX_voicemail|e }}</Voice_Mail_Number_{{ no }}_>
{%- endfor %}
<!-- Features -->
<Voice_Mail_Number>{{ exten_voicemail|e }}</Voice_Mail_Number>
<Call_Pickup_Code>{{ exten_pickup_call|e }}</Call_Pickup_Code>
{%- block model_specific %}{% endblock %}
</flat-profile>
