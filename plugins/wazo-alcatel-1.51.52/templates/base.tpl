<?xml version="1.0" encoding="UTF-8"?>
<!-- An Alcatel-Lucent Enterprise SIP phone's own settings, written by
     provd (config.<mac>.xml). -->
<settings>
{%- if sip_lines %}
{%- for line_no, line in sip_lines.items() %}
    <!-- Line {{ line_no|e }} -->
    <setting id="Account{{ line_no|e }}Enable" value="true"/>
    <setting id="Account{{ line_no|e }}UserName" value="{{ line.username|e }}"/>
    <setting id="Account{{ line_no|e }}RegName" value="{{ line.auth_username|d(line.username)|e }}"/>
    <setting id="Account{{ line_no|e }}Password" value="{{ line.password|e }}"/>
    <setting id="Account{{ line_no|e }}DisplayName" value="{{ line.display_name|e }}"/>
    <setting id="Account{{ line_no|e }}Label" value="{{ line.number|e }} - {{ line.display_name|e }}"/>
    <setting id="Account{{ line_no|e }}Server1Address" value="{{ line.proxy_ip|e }}"/>
    <setting id="Account{{ line_no|e }}Server1Port" value="{{ line.proxy_port|d(5060)|e }}"/>
    <setting id="Account{{ line_no|e }}Server1Transport" value="{{ sip_transport|d('udp')|e }}"/>
    <setting id="Account{{ line_no|e }}Server2Address" value="{{ line.backup_proxy_ip|d('')|e }}"/>
    <setting id="Account{{ line_no|e }}Server2Port" value="{{ line.backup_proxy_port|d(5060)|e }}"/>
    <setting id="Account{{ line_no|e }}OutboundProxy1Address" value="{{ line.outbound_proxy_ip|d('')|e }}"/>
    <setting id="Account{{ line_no|e }}OutboundProxy1Port" value="{{ line.outbound_proxy_port|d(5060)|e }}"/>
    <setting id="Account{{ line_no|e }}DtmfMode" value="{{ line.XX_user_dtmf_info|e }}"/>
    <setting id="Account{{ line_no|e }}VmNumber" value="{{ line.voicemail|d('')|e }}"/>
    <setting id="Account{{ line_no|e }}AutoAnswerEnable" value="{{ 'true' if XX_options.switchboard else 'false' }}"/>
{%- endfor %}
{%- endif %}

    <!-- Provisioning -->
{%- if XX_server_url %}
    <setting id="DeviceProvisionServerUrl" value="{{ XX_server_url|e }}"/>
{%- endif %}
    <setting id="DeviceProvisionFileFirst" value="config.$model.xml"/>
    <setting id="DeviceProvisionFileSecond" value="config.$mac.xml"/>

    <!-- Access -->
    <setting id="DeviceSecurityUserName" value="{{ user_username|e if user_username else 'user' }}"/>
{%- if user_password %}
    <setting id="DeviceSecurityUserPwd" value="{{ user_password|e }}"/>
{%- endif %}
    <setting id="DeviceSecurityAdminName" value="{{ admin_username|e if admin_username else 'admin' }}"/>
{%- if admin_password %}
    <setting id="DeviceSecurityAdminPwd" value="{{ admin_password|e }}"/>
{%- endif %}
    <setting id="DeviceSecuritySshEnable" value="false"/>

    <!-- Network -->
    <setting id="DeviceNetworkDns1" value="{{ dns_ip|e if dns_enabled else '' }}"/>
{%- if vlan_enabled %}
    <setting id="DeviceNetworkLanVlanEnable" value="true"/>
    <setting id="DeviceNetworkLanVlanNumber" value="{{ vlan_id|e }}"/>
{%- if vlan_pc_port_id %}
    <setting id="DeviceNetworkPcVlanEnable" value="true"/>
    <setting id="DeviceNetworkPcVlanNumber" value="{{ vlan_pc_port_id|e }}"/>
{%- endif %}
{%- else %}
    <setting id="DeviceNetworkLanVlanEnable" value="false"/>
{%- endif %}

    <!-- Time and language -->
{%- if XX_timezone %}
    <setting id="SettingTimeZone" value="{{ XX_timezone|e }}"/>
    <setting id="SettingTimeZoneLocation" value="{{ timezone|e }}"/>
{%- endif %}
    <setting id="SettingSntpServer" value="{{ ntp_ip|e if ntp_enabled else '' }}"/>
    <setting id="SettingLanguage" value="{{ XX_lang|e }}"/>

    <!-- Programmable keys -->
{%- for key in XX_fkeys %}
    <setting id="ProgramKey{{ key.position|e }}Type" value="{{ key.type|e }}"/>
    <setting id="ProgramKey{{ key.position|e }}Account" value="1"/>
    <setting id="ProgramKey{{ key.position|e }}Label" value="{{ key.label|e }}"/>
    <setting id="ProgramKey{{ key.position|e }}Value" value="{{ key.value|e }}"/>
    <setting id="ProgramKey{{ key.position|e }}Extension" value="{{ key.extension|e }}"/>
{%- endfor %}
</settings>
