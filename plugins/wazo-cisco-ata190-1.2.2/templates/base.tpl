{#- ATA<MAC>.cnf.xml: the configuration a Cisco ATA190 reads over TFTP, one
    file per phone port. Port 1's file carries line 1. Port 2's file is
    named after the MAC without its first byte, followed by 01; it renders
    from ata-port2.tpl, which sets XX_second_line_ata and includes this
    template, so it carries line 2. -#}
<?xml version="1.0" encoding="UTF-8"?>
{%- set line_no = '2' if XX_second_line_ata else '1' %}
{%- set line = XX_lines[line_no] if line_no in XX_lines else none %}
<device>
<deviceProtocol>SIP</deviceProtocol>
<devicePool>
<dateTimeSetting>
<dateTemplate>D/M/Y</dateTemplate>
{%- if XX_cisco_timezone %}
<timeZone>{{ XX_cisco_timezone }}</timeZone>
<olsonTimeZone>{{ timezone }}</olsonTimeZone>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
<ntps>
<ntp>
<name>{{ ntp_ip }}</name>
<ntpMode>Unicast</ntpMode>
</ntp>
</ntps>
{%- endif %}
</dateTimeSetting>
<callManagerGroup>
<members>
{%- if line and line.XX_proxy_ip %}
<member priority="0">
<callManager>
<ports>
<sipPort>{{ line.XX_proxy_port }}</sipPort>
</ports>
<processNodeName>{{ line.XX_proxy_ip }}</processNodeName>
</callManager>
</member>
{%- endif %}
</members>
</callManagerGroup>
</devicePool>
<sipProfile>
<sipLines>
{%- if line %}
<line button="1">
<featureID>9</featureID>
<featureLabel>{{ line.display_name|e }}</featureLabel>
<proxy>{{ line.XX_proxy_ip }}</proxy>
<port>{{ line.XX_proxy_port }}</port>
<name>{{ line.username|e }}</name>
<displayName>{{ line.display_name|e }}</displayName>
<contact>{{ line.username|e }}</contact>
<authName>{{ line.auth_username|e }}</authName>
<authPassword>{{ line.password|e }}</authPassword>
<messagesNumber>{{ line.XX_voicemail|e }}</messagesNumber>
</line>
{%- endif %}
</sipLines>
<dialTemplate>dialplan.xml</dialTemplate>
</sipProfile>
<loadInformation>{{ XX_load }}</loadInformation>
</device>
