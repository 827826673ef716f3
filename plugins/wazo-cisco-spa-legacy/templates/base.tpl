{#- <mac>.xml: the flat profile of one Cisco/Linksys SPA phone, fetched over
    HTTP through profile rule C (set by spa<model>.cfg) right after
    spa-phone.xml, the shared defaults (rule B). The phone keeps the last
    value it reads for an element and ignores elements it does not know,
    so one template serves every model; what a model lacks in this file
    falls back to spa-phone.xml.

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
{%- if vlan_pc_port_id %}
<Enable_PC_Port_VLAN_Tagging>Yes</Enable_PC_Port_VLAN_Tagging>
<PC_Port_VLAN_ID>{{ vlan_pc_port_id }}</PC_Port_VLAN_ID>
{%- endif %}
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
<Primary_NTP_Server>{{ ntp_ip }}</Primary_NTP_Server>
{%- endif %}
{%- if syslog_enabled and syslog_ip %}
<Syslog_Server>{{ syslog_ip }}:{{ syslog_port }}</Syslog_Server>
{%- endif %}
<!-- Regional -->
{%- if XX_language %}
<Language_Selection>{{ XX_language }}</Language_Selection>
{%- endif %}
<Locale>{{ XX_locale }}</Locale>
{%- if XX_dictionary_script %}
<Dictionary_Server_Script>{{ XX_dictionary_script|e }}</Dictionary_Server_Script>
{%- endif %}
{%- if XX_timezone %}
{{ XX_timezone }}
{%- endif %}
<!-- Features -->
<Voice_Mail_Number>{{ exten_voicemail|e }}</Voice_Mail_Number>
<Call_Pickup_Code>{{ exten_pickup_call|e }}</Call_Pickup_Code>
{%- for no, line in XX_lines.items() %}
{%- if loop.first %}
<Station_Name>{{ line.display_name|e }}</Station_Name>
{%- endif %}
{%- endfor %}
<!-- Lines -->
{%- for no, line in XX_lines.items() %}
<Line_Enable_{{ no }}_>Yes</Line_Enable_{{ no }}_>
<Proxy_{{ no }}_>{{ line.XX_proxy|e }}</Proxy_{{ no }}_>
<Use_DNS_SRV_{{ no }}_>Yes</Use_DNS_SRV_{{ no }}_>
<Proxy_Fallback_Intvl_{{ no }}_>120</Proxy_Fallback_Intvl_{{ no }}_>
{%- if line.XX_outbound_proxy %}
<Outbound_Proxy_{{ no }}_>{{ line.XX_outbound_proxy|e }}</Outbound_Proxy_{{ no }}_>
<Use_Outbound_Proxy_{{ no }}_>Yes</Use_Outbound_Proxy_{{ no }}_>
{%- endif %}
<SIP_Transport_{{ no }}_>{{ line.XX_transport }}</SIP_Transport_{{ no }}_>
<Display_Name_{{ no }}_>{{ line.display_name|e }}</Display_Name_{{ no }}_>
<User_ID_{{ no }}_>{{ line.username|e }}</User_ID_{{ no }}_>
<Password_{{ no }}_>{{ line.password|e }}</Password_{{ no }}_>
<Use_Auth_ID_{{ no }}_>Yes</Use_Auth_ID_{{ no }}_>
<Auth_ID_{{ no }}_>{{ line.auth_username|e }}</Auth_ID_{{ no }}_>
<DTMF_Tx_Method_{{ no }}_>{{ line.XX_dtmf }}</DTMF_Tx_Method_{{ no }}_>
<Secure_Call_Setting_{{ no }}_>{{ line.XX_srtp }}</Secure_Call_Setting_{{ no }}_>
{%- endfor %}
<!-- Keys: function keys first, then the line keys, so that a key whose
     number is also a line shows that line. -->
{%- if XX_fkeys %}
{{ XX_fkeys }}
{%- endif %}
{%- for no, line in XX_lines.items() %}
<Extension_{{ no }}_>{{ no }}</Extension_{{ no }}_>
<Short_Name_{{ no }}_>{% if line.number %}{{ line.number|e }}{% else %}$USER{% endif %}</Short_Name_{{ no }}_>
<Extended_Function_{{ no }}_></Extended_Function_{{ no }}_>
{%- endfor %}
{%- if XX_xivo_phonebook_url %}
<!-- Directory -->
<XML_Directory_Service_Name>{{ XX_directory_name|e }}</XML_Directory_Service_Name>
<XML_Directory_Service_URL>{{ XX_xivo_phonebook_url|e }}</XML_Directory_Service_URL>
{%- endif %}
{%- block model_specific %}{% endblock %}
</flat-profile>
