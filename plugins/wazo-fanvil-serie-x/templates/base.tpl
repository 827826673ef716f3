{#- Fanvil/<mac>.cfg for the first X phones (X2 to X6): their
    VOIP_CONFIG_FILE XML, one *_CONFIG_MODULE element per part of the
    phone, in the order the phones export it. The newer X phones use
    sysconf.tpl instead. -#}
<?xml version="1.0" encoding="UTF-8"?>
<VOIP_CONFIG_FILE>
<version>2.0002</version>
{%- if XX_fw_filename and XX_server_url %}
<AUTOUPDATE_CONFIG_MODULE>
<Download_Server_IP>{{ ip|e }}</Download_Server_IP>
<Config_File_Name>Fanvil/$mac.cfg</Config_File_Name>
<Download_Protocol>2</Download_Protocol>
<Download_Mode>1</Download_Mode>
<Download_Interval>1</Download_Interval>
<DHCP_Option>66</DHCP_Option>
<PNP_Enable>0</PNP_Enable>
<Auto_Image_URL>{{ XX_server_url|e }}/Fanvil/firmware/{{ XX_fw_filename|e }}</Auto_Image_URL>
<Save_Provision_Info>1</Save_Provision_Info>
</AUTOUPDATE_CONFIG_MODULE>
{%- endif %}
<GLOBAL_CONFIG_MODULE>
{%- if ntp_enabled and ntp_ip %}
<SNTP_Server>{{ ntp_ip|e }}</SNTP_Server>
<Enable_SNTP>1</Enable_SNTP>
<SNTP_Timeout>60</SNTP_Timeout>
{%- else %}
<Enable_SNTP>0</Enable_SNTP>
{%- endif %}
{%- if XX_locale %}
<Language>{{ XX_locale|e }}</Language>
{%- endif %}
{%- if XX_timezone %}
<Time_Zone>{{ XX_timezone.time_zone|e }}</Time_Zone>
<Time_Zone_Name>{{ XX_timezone.time_zone_name|e }}</Time_Zone_Name>
{%- if XX_timezone.enable_dst %}
<Enable_DST>2</Enable_DST>
<DST_Min_Offset>{{ XX_timezone.dst_min_offset|e }}</DST_Min_Offset>
{%- for edge, change in [('Start', XX_timezone.dst_start), ('End', XX_timezone.dst_end)] %}
<DST_{{ edge|e }}_Mon>{{ change.month|e }}</DST_{{ edge|e }}_Mon>
<DST_{{ edge|e }}_Week>{{ (change.dst_week if change.dst_week is defined else 0)|e }}</DST_{{ edge|e }}_Week>
<DST_{{ edge|e }}_Wday>{{ change.dst_wday|e }}</DST_{{ edge|e }}_Wday>
<DST_{{ edge|e }}_Hour>{{ change.hour|e }}</DST_{{ edge|e }}_Hour>
<DST_{{ edge|e }}_Min>0</DST_{{ edge|e }}_Min>
{%- endfor %}
{%- else %}
<Enable_DST>0</Enable_DST>
{%- endif %}
{%- endif %}
</GLOBAL_CONFIG_MODULE>
<MMI_CONFIG_MODULE>
<Web_Port>80</Web_Port>
<Https_Web_Port>443</Https_Web_Port>
<MMI_Account>
{%- if admin_password %}
<MMI_Account_Entry>
<ID>Account1</ID>
<Name>admin</Name>
<Password>{{ admin_password|e }}</Password>
<Level>10</Level>
</MMI_Account_Entry>
{%- endif %}
{%- if user_password %}
<MMI_Account_Entry>
<ID>Account2</ID>
<Name>guest</Name>
<Password>{{ user_password|e }}</Password>
<Level>5</Level>
</MMI_Account_Entry>
{%- endif %}
</MMI_Account>
</MMI_CONFIG_MODULE>
<SIP_CONFIG_MODULE>
<SIP__Port>5060</SIP__Port>
<SIP_Line_List>
{%- for no, line in sip_lines.items() %}
<SIP_Line_List_Entry>
<ID>SIP{{ no|e }}</ID>
{%- if line %}
<Phone_Number>{{ (line.number or line.username)|e }}</Phone_Number>
<Display_Name>{{ line.display_name|e }}</Display_Name>
<Register_Addr>{{ (line.registrar_ip or line.proxy_ip)|e }}</Register_Addr>
<Register_Port>{{ (line.registrar_port or line.proxy_port or 5060)|e }}</Register_Port>
<Register_User>{{ line.username|e }}</Register_User>
<Register_Pswd>{{ line.password|e }}</Register_Pswd>
<Register_TTL>60</Register_TTL>
<Proxy_Addr>{{ line.proxy_ip|e }}</Proxy_Addr>
<Proxy_Port>{{ (line.proxy_port or 5060)|e }}</Proxy_Port>
<Proxy_User>{{ line.username|e }}</Proxy_User>
<Proxy_Pswd>{{ line.password|e }}</Proxy_Pswd>
{%- if line.backup_proxy_ip %}
<Backup_Addr>{{ line.backup_proxy_ip|e }}</Backup_Addr>
<Backup_Port>{{ (line.backup_proxy_port or 5060)|e }}</Backup_Port>
<Backup_Transpo>{{ X_sip_transport_protocol|e }}</Backup_Transpo>
<Backup_TTL>60</Backup_TTL>
{%- else %}
<Backup_Addr></Backup_Addr>
<Backup_Port></Backup_Port>
<Backup_Transpo>0</Backup_Transpo>
<Backup_TTL>3600</Backup_TTL>
{%- endif %}
<Backup_Mode>0</Backup_Mode>
<Enable_Reg>1</Enable_Reg>
<Transport>{{ X_sip_transport_protocol|e }}</Transport>
<DTMF_Mode>{{ line.XX_dtmf_mode|e }}</DTMF_Mode>
<MWI_Num>{{ line.voicemail|e }}</MWI_Num>
{%- else %}
<Enable_Reg>0</Enable_Reg>
{%- endif %}
</SIP_Line_List_Entry>
{%- endfor %}
</SIP_Line_List>
</SIP_CONFIG_MODULE>
<QOS_CONFIG_MODULE>
{%- if vlan_enabled and vlan_id %}
<Enable_VLAN>1</Enable_VLAN>
<VLAN_ID>{{ vlan_id|e }}</VLAN_ID>
<Signalling_Priority>{{ (vlan_priority or 0)|e }}</Signalling_Priority>
<Voice_Priority>{{ (vlan_priority or 0)|e }}</Voice_Priority>
{%- else %}
<Enable_VLAN>0</Enable_VLAN>
{%- endif %}
</QOS_CONFIG_MODULE>
<AAA_CONFIG_MODULE>
{%- if syslog_enabled and syslog_ip %}
<Enable_Syslog>1</Enable_Syslog>
<Syslog_address>{{ syslog_ip|e }}</Syslog_address>
<Syslog_port>{{ (syslog_port or 514)|e }}</Syslog_port>
{%- else %}
<Enable_Syslog>0</Enable_Syslog>
{%- endif %}
</AAA_CONFIG_MODULE>
<PHONE_CONFIG_MODULE>
<Menu_Password>{{ (admin_password or '123')|e }}</Menu_Password>
{%- for no, line in sip_lines.items() if line %}
{%- if loop.first %}
<LCD_Title>{{ line.display_name|e }}</LCD_Title>
{%- endif %}
{%- endfor %}
<Function_Key>
{%- for key in XX_fkeys %}
<Function_Key_Entry>
<ID>Fkey{{ key.id|e }}</ID>
<Type>{{ key.type|e }}</Type>
<Value>{{ key.value|e }}</Value>
<Title>{{ key.title|e }}</Title>
</Function_Key_Entry>
{%- endfor %}
</Function_Key>
{%- if XX_xivo_phonebook_url %}
<Soft_Dss_Key>
<Soft_Dss_Key_Entry>
<ID>SoftFkey1</ID>
<Type>7</Type>
<Value>{{ XX_xivo_phonebook_url|e }}</Value>
<Title>{{ (XX_directory or 'Directory')|e }}</Title>
</Soft_Dss_Key_Entry>
</Soft_Dss_Key>
{%- endif %}
</PHONE_CONFIG_MODULE>
{%- if XX_xivo_phonebook_url %}
<SCREEN_KEY_CONFIG_MODULE>
<Desktop_Softkey>history;dsskey1;;menu;</Desktop_Softkey>
</SCREEN_KEY_CONFIG_MODULE>
{%- endif %}
</VOIP_CONFIG_FILE>
