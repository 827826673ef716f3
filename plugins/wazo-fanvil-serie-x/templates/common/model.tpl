{#- Fanvil/<the model's common file>: where the first X phones find their
    own file and their firmware (the model's, XX_fw_filename). -#}
<?xml version="1.0" encoding="UTF-8"?>
<VOIP_CONFIG_FILE>
<version>2.0002</version>
<AUTOUPDATE_CONFIG_MODULE>
<Download_Server_IP>{{ ip|e }}</Download_Server_IP>
<Config_File_Name>Fanvil/$mac.cfg</Config_File_Name>
<Download_Protocol>2</Download_Protocol>
<Download_Mode>1</Download_Mode>
<Download_Interval>1</Download_Interval>
<DHCP_Option>66</DHCP_Option>
<PNP_Enable>0</PNP_Enable>
{%- if XX_fw_filename and XX_server_url %}
<Auto_Image_URL>{{ XX_server_url|e }}/Fanvil/firmware/{{ XX_fw_filename|e }}</Auto_Image_URL>
{%- endif %}
<Save_Provision_Info>1</Save_Provision_Info>
</AUTOUPDATE_CONFIG_MODULE>
</VOIP_CONFIG_FILE>
