{#- <mac>.xml: the flat profile of one Cisco multiplatform phone or ATA,
    fetched over HTTP through the last profile rule the common file sets,
    right after the plugin's static defaults. The device keeps the last
    value it reads for an element and ignores elements it does not know,
    so one template serves every model of the plugin.

    Block a <model>.tpl may fill: model_specific (last, so it wins). -#}
<?xml version="1.0" encoding="UTF-8"?>
<flat-profile>
<!-- Provisioning -->
{%- if XX_upgrade_rule %}
<Upgrade_Enable ua="na">Yes</Upgrade_Enable>
<Upgrade_Rule ua="na">{{ XX_upgrade_rule|e }}</Upgrade_Rule>
{%- endif %}
<!-- Access -->
{%- if admin_password %}
<Admin_Password ua="na">{{ admin_password|e }}</Admin_Password>
{%- endif %}
{%- if user_password %}
<User_Password ua="rw">{{ user_password|e }}</User_Password>
{%- endif %}
<!-- Network -->
{%- if dns_enabled and dns_ip %}
<Primary_DNS ua="na">{{ dns_ip|e }}</Primary_DNS>
{%- endif %}
{%- if vlan_enabled %}
<Enable_VLAN ua="na">Yes</Enable_VLAN>
<VLAN_ID ua="na">{{ vlan_id|e }}</VLAN_ID>
{%- if vlan_pc_port_id %}
<Enable_PC_Port_VLAN_Tagging ua="na">Yes</Enable_PC_Port_VLAN_Tagging>
<PC_Port_VLAN_ID ua="na">{{ vlan_pc_port_id|e }}</PC_Port_VLAN_ID>
{%- endif %}
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
<Primary_NTP_Server ua="na">{{ ntp_ip|e }}</Primary_NTP_Server>
{%- endif %}
{%- if syslog_enabled and syslog_ip %}
<Syslog_Server ua="na">{{ syslog_ip|e }}:{{ syslog_port|e }}</Syslog_Server>
{%- endif %}
{%- if XX_poe_power %}
<PoE_Power_Required ua="na">{{ XX_poe_power }}</PoE_Power_Required>
{%- endif %}
<!-- Regional -->
{%- if XX_language %}
<Language_Selection ua="rw">{{ XX_language }}</Language_Selection>
{%- endif %}
<Locale ua="rw">{{ XX_locale }}</Locale>
{%- if XX_dictionary_script %}
<Dictionary_Server_Script ua="na">{{ XX_dictionary_script|e }}</Dictionary_Server_Script>
{%- endif %}
{%- if XX_timezone %}
{{ XX_timezone }}
{%- endif %}
<!-- Features -->
<Voice_Mail_Number ua="na">{{ exten_voicemail|e }}</Voice_Mail_Number>
<Call_Pickup_Code ua="na">{{ exten_pickup_call|e }}</Call_Pickup_Code>
<Group_Call_Pickup_Code ua="na">{{ exten_pickup_group|e }}</Group_Call_Pickup_Code>
{%- for no, line in XX_lines.items() %}
{%- if loop.first %}
<Station_Name ua="na">{{ line.display_name|e }}</Station_Name>
{%- endif %}
{%- endfor %}
<!-- Lines -->
{%- for no, line in XX_lines.items() %}
<Line_Enable_{{ no }}_ ua="na">Yes</Line_Enable_{{ no }}_>
<Proxy_{{ no }}_ ua="na">{{ line.XX_proxy|e }}</Proxy_{{ no }}_>
<Use_DNS_SRV_{{ no }}_ ua="na">Yes</Use_DNS_SRV_{{ no }}_>
<Proxy_Fallback_Intvl_{{ no }}_ ua="na">120</Proxy_Fallback_Intvl_{{ no }}_>
{%- if line.XX_outbound_proxy %}
<Outbound_Proxy_{{ no }}_ ua="na">{{ line.XX_outbound_proxy|e }}</Outbound_Proxy_{{ no }}_>
<Use_Outbound_Proxy_{{ no }}_ ua="na">Yes</Use_Outbound_Proxy_{{ no }}_>
{%- endif %}
<SIP_Transport_{{ no }}_ ua="na">{{ line.XX_transport }}</SIP_Transport_{{ no }}_>
<Display_Name_{{ no }}_ ua="na">{{ line.display_name|e }}</Display_Name_{{ no }}_>
<User_ID_{{ no }}_ ua="na">{{ line.username|e }}</User_ID_{{ no }}_>
<Password_{{ no }}_ ua="na">{{ line.password|e }}</Password_{{ no }}_>
<Use_Auth_ID_{{ no }}_ ua="na">Yes</Use_Auth_ID_{{ no }}_>
<Auth_ID_{{ no }}_ ua="na">{{ line.auth_username|e }}</Auth_ID_{{ no }}_>
<DTMF_Tx_Method_{{ no }}_ ua="na">{{ line.XX_dtmf }}</DTMF_Tx_Method_{{ no }}_>
<Secure_Call_Setting_{{ no }}_ ua="na">{{ line.XX_srtp }}</Secure_Call_Setting_{{ no }}_>
{%- endfor %}
<!-- Keys: function keys first, then the line keys, so that a key whose
     number is also a line shows that line. -->
{%- if XX_fkeys %}
{{ XX_fkeys }}
{%- endif %}
{%- for no, line in XX_lines.items() %}
<Extension_{{ no }}_ ua="na">{{ no }}</Extension_{{ no }}_>
<Short_Name_{{ no }}_ ua="na">{% if line.number %}{{ line.number|e }}{% else %}$USER{% endif %}</Short_Name_{{ no }}_>
<Extended_Function_{{ no }}_ ua="na"></Extended_Function_{{ no }}_>
{%- endfor %}
{%- if XX_xivo_phonebook_url %}
<!-- Directory -->
<XML_Directory_Service_Name ua="na">{{ XX_directory_name|e }}</XML_Directory_Service_Name>
<XML_Directory_Service_URL ua="na">{{ XX_xivo_phonebook_url|e }}</XML_Directory_Service_URL>
{%- endif %}
{%- block model_specific %}{% endblock %}
</flat-profile>
